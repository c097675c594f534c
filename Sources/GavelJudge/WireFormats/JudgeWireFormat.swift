import GavelCore
import GavelHTTP
import GavelJSON

/// One provider's request and response formats for a judge call: how a `JudgeRequestContent`
/// becomes the JSON body, and where the answer, its token usage and a cut-off show in the reply.
/// Live calls (`ChatJudge`) and batch jobs write and read through the same format.
package protocol JudgeWireFormat: Sendable {
    /// The request body's fields for `content`.
    func body(_ content: JudgeRequestContent) -> JSONObject
    /// The answer text, and for a forced tool call its input as JSON; a body that is not JSON is the answer as it is.
    func answer(of json: JSONValue?, body response: HTTPResponse) -> (String, JSONValue?)
    /// The tokens the call used, as the reply counts them (zero when it does not say).
    func usage(of json: JSONValue?) -> TokenUsage
    /// Whether the answer stopped at the output-token cap.
    func truncated(_ json: JSONValue?) -> Bool
}

/// What one judge request asks, whatever the provider: the prompt (and a corrective turn), the
/// answer's structure, and the parameters the run sends — already without those a judge refused.
package struct JudgeRequestContent {
    var model: String
    var system: String
    var user: String
    /// The judge's unusable answer and the follow-up turn naming what was wrong, if this is a correction.
    var correction: (answer: String, fix: String)?
    /// The trajectory ids the answer must cover, and what the answer holds for each.
    var ids: [String]
    var answer: JudgeMode.Answer
    /// Digit grades read with their logprobs: the answer is plain text.
    var grades: Bool
    /// The structured-output mode asked for (ignored for grades).
    var mode: ResponseFormatMode
    /// Whether to ask for logprobs, and for the top alternatives of each token.
    var logprobs = false
    var topLogprobs = false
    /// The output-token cap, and the name it goes by (nil: not sent, where the format allows).
    var maxTokens: Int?
    var tokenParameter: String?
    var temperature: Double?
    var reasoningEffort: String?
    /// `--judge-param` members, set last (they win).
    var extra: [JSONObject.Member] = []

    /// `role`/`content` message objects: the user's turn, then the correction's two turns.
    func turns(system inline: Bool) -> [JSONValue] {
        func message(_ role: String, _ content: String) -> JSONValue {
            .object(JSONObject(pairs: ["role": .string(role), "content": .string(content)]))
        }
        var messages = inline ? [message("system", system)] : []
        messages.append(message("user", user))
        if let correction {
            messages.append(message("assistant", correction.answer))
            messages.append(message("user", correction.fix))
        }
        return messages
    }
}

extension JudgeEndpoint.Style {
    /// The wire format of this API style.
    package var wireFormat: any JudgeWireFormat {
        switch self {
        case .openAI: return OpenAIChatFormat(sendsModel: true)
        case .azure: return OpenAIChatFormat(sendsModel: false)
        case .anthropic: return AnthropicMessagesFormat()
        }
    }
}
