import GavelCore
import GavelHTTP
import GavelJSON

/// OpenAI's chat completions format, which OpenAI-compatible servers (vLLM, llama.cpp, Ollama,
/// OpenRouter, LiteLLM, ...) and Azure OpenAI share: structured output as `response_format`, logprobs
/// for digit grades, usage as `prompt_tokens`/`completion_tokens`.
struct OpenAIChatFormat: JudgeWireFormat {
    /// Whether the body names the model (Azure names the deployment in the URL instead).
    var sendsModel: Bool

    func body(_ content: JudgeRequestContent) -> JSONObject {
        var body = JSONObject()
        if sendsModel { body["model"] = .string(content.model) }
        body["messages"] = .array(content.turns(system: true))
        switch content.grades ? .text : content.mode {
        case .jsonSchema:
            body["response_format"] = .object(
                JSONObject(pairs: [
                    "type": .string("json_schema"),
                    "json_schema": .object(
                        JSONObject(pairs: [
                            "name": .string("trajectory_scores"), "strict": .bool(true),
                            "schema": ScoresSchema.schema(ids: content.ids, answer: content.answer),
                        ])),
                ]))
        case .jsonObject:
            body["response_format"] = .object(JSONObject(pairs: ["type": .string("json_object")]))
        case .text:
            break
        }
        if content.logprobs {
            body["logprobs"] = .bool(true)
            if content.topLogprobs { body["top_logprobs"] = .int(10) }
        }
        if let cap = content.maxTokens, let name = content.tokenParameter { body[name] = .int(cap) }
        if let effort = content.reasoningEffort { body["reasoning_effort"] = .string(effort) }
        if let t = content.temperature { body["temperature"] = .double(t) }
        for member in content.extra { body[member.key] = member.value }
        return body
    }

    func answer(of json: JSONValue?, body response: HTTPResponse) -> (String, JSONValue?) {
        guard let json else { return (response.bodyText, nil) }
        let message = json["choices"]?.arrayValue?.first?["message"]
        if let content = message?["content"]?.stringValue { return (content, nil) }
        // Some servers answer structured output as a tool call.
        if let args = message?["tool_calls"]?.arrayValue?.first?["function"]?["arguments"]?.stringValue { return (args, nil) }
        return ("", nil)
    }

    func usage(of json: JSONValue?) -> TokenUsage {
        guard let u = json?["usage"] else { return TokenUsage() }
        return TokenUsage(prompt: max(0, u["prompt_tokens"]?.intValue ?? 0), completion: max(0, u["completion_tokens"]?.intValue ?? 0))
    }

    func truncated(_ json: JSONValue?) -> Bool {
        json?["choices"]?.arrayValue?.first?["finish_reason"]?.stringValue == "length"
    }
}
