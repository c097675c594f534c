/// A judge's validated answer for one prompt: scores and explanations in the order of `prompt.ids`.
public struct JudgeVerdict: Sendable, Equatable {
    public var scores: [Double]
    public var explanations: [String]
    /// Usage of every attempt, retries and corrections included.
    public var usage: TokenUsage
    /// The raw text (or tool input) of the accepted answer.
    public var raw: String
    /// HTTP calls this verdict took.
    public var calls: Int
    /// Seconds the judge took to answer: its HTTP exchanges, retries included, waits between them
    /// not (kept in the cache, so a cached answer still says what it cost).
    public var seconds = 0.0
    /// Whether it came from the cache.
    public var cached: Bool
    /// From a panel: each member's scores (in the order of `prompt.ids`), by member name.
    public var panel: [PanelScores] = []
    /// From a panel: the members that gave no answer for this prompt.
    public var panelMissing: [String] = []

    public init(
        scores: [Double], explanations: [String], usage: TokenUsage = .init(), raw: String = "", calls: Int = 1, cached: Bool = false
    ) {
        self.scores = scores
        self.explanations = explanations
        self.usage = usage
        self.raw = raw
        self.calls = calls
        self.cached = cached
    }
}
