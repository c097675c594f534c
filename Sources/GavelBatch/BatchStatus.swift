/// A batch as its provider reports it.
public struct BatchStatus: Sendable {
    /// The provider's word: `validating`, `in_progress`, `finalizing`, `completed`, `expired`,
    /// `cancelled`, `failed` (OpenAI); `in_progress`, `canceling`, `ended` (Anthropic).
    public var state: String
    /// True once the provider will change nothing more about the batch.
    public var isEnded: Bool
    public var total: Int
    public var succeeded: Int
    public var failed: Int
    /// Where the results are (OpenAI: output and error file ids; Anthropic: the results URL).
    public var outputFile: String?
    public var errorFile: String?
    public var resultsURL: String?
}

/// What a batch did with one request.
public enum BatchOutcome: Sendable {
    /// The judge's answer: the body a live call would have received.
    case answer([UInt8])
    /// The request failed (an HTTP error inside the batch, Anthropic's `errored`).
    case failed(String)
    /// The request expired (or was cancelled) before it ran.
    case expired
}
