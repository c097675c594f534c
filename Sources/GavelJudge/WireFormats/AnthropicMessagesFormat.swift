import GavelCore
import GavelHTTP
import GavelJSON

/// Anthropic's messages format: the system prompt as a field of its own, structured output as a
/// forced tool call (`submit_scores`), `max_tokens` always sent, usage as `input_tokens`/`output_tokens`.
struct AnthropicMessagesFormat: JudgeWireFormat {
    /// The output cap when neither the user nor the answer mode sets one (Anthropic requires one).
    static let defaultMaxTokens = 4096

    func body(_ content: JudgeRequestContent) -> JSONObject {
        var body = JSONObject()
        body["model"] = .string(content.model)
        body["system"] = .string(content.system)
        body["messages"] = .array(content.turns(system: false))
        body["max_tokens"] = .int(content.maxTokens ?? Self.defaultMaxTokens)
        if content.mode == .jsonSchema, !content.grades {
            body["tools"] = .array([
                .object(
                    JSONObject(pairs: [
                        "name": .string("submit_scores"),
                        "description": .string("Submit one score and explanation for every trajectory."),
                        "input_schema": ScoresSchema.schema(ids: content.ids, answer: content.answer),
                    ]))
            ])
            body["tool_choice"] = .object(JSONObject(pairs: ["type": .string("tool"), "name": .string("submit_scores")]))
        }
        if let t = content.temperature { body["temperature"] = .double(t) }
        for member in content.extra { body[member.key] = member.value }
        return body
    }

    func answer(of json: JSONValue?, body response: HTTPResponse) -> (String, JSONValue?) {
        guard let json else { return (response.bodyText, nil) }
        let blocks = json["content"]?.arrayValue ?? []
        if let tool = blocks.first(where: { $0["type"]?.stringValue == "tool_use" }), let input = tool["input"] {
            return (JSONWriter.string(input), input)
        }
        return (blocks.compactMap { $0["text"]?.stringValue }.joined(separator: "\n"), nil)
    }

    func usage(of json: JSONValue?) -> TokenUsage {
        guard let u = json?["usage"] else { return TokenUsage() }
        return TokenUsage(prompt: max(0, u["input_tokens"]?.intValue ?? 0), completion: max(0, u["output_tokens"]?.intValue ?? 0))
    }

    func truncated(_ json: JSONValue?) -> Bool {
        json?["stop_reason"]?.stringValue == "max_tokens"
    }
}
