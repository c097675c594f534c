import GavelHTTP
import GavelJSON
import Testing

@testable import GavelCore
@testable import GavelJudge

/// Each provider's wire format on its own: the body a request becomes, and where the answer, the
/// usage and a cut-off are read from the reply. No transport, no judge.
@Suite("Judge wire formats: OpenAI chat (and Azure), Anthropic messages")
struct WireFormatTests {
    static func content(grades: Bool = false, mode: ResponseFormatMode = .jsonSchema) -> JudgeRequestContent {
        var c = JudgeRequestContent(
            model: "m", system: "SYS", user: "USER", correction: nil, ids: ["1", "2"], answer: .explained, grades: grades, mode: mode)
        c.maxTokens = 300
        c.tokenParameter = "max_completion_tokens"
        c.temperature = 0
        return c
    }

    static func messages(_ body: JSONObject) -> [String] {
        (body["messages"]?.arrayValue ?? []).map { "\($0["role"]?.stringValue ?? "?"):\($0["content"]?.stringValue ?? "?")" }
    }

    @Test("OpenAI: model, system and user turns, a strict json_schema, the cap under its name, temperature")
    func openAIStructured() {
        let body = OpenAIChatFormat(sendsModel: true).body(Self.content())
        #expect(body["model"] == .string("m"))
        #expect(Self.messages(body) == ["system:SYS", "user:USER"])
        #expect(body["response_format"]?["type"] == .string("json_schema"))
        #expect(body["response_format"]?["json_schema"]?["strict"] == .bool(true))
        #expect(body["max_completion_tokens"] == .int(300) && body["max_tokens"] == nil)
        #expect(body["temperature"] == .double(0))
        #expect(body["logprobs"] == nil)
    }

    @Test("OpenAI: json_object and text modes; digit grades ask for text with logprobs and their alternatives")
    func openAIModes() {
        #expect(
            OpenAIChatFormat(sendsModel: true).body(Self.content(mode: .jsonObject))["response_format"]?["type"] == .string("json_object"))
        #expect(OpenAIChatFormat(sendsModel: true).body(Self.content(mode: .text))["response_format"] == nil)
        var grades = Self.content(grades: true)
        grades.logprobs = true
        grades.topLogprobs = true
        let body = OpenAIChatFormat(sendsModel: true).body(grades)
        #expect(body["response_format"] == nil)
        #expect(body["logprobs"] == .bool(true) && body["top_logprobs"] == .int(10))
        grades.topLogprobs = false
        #expect(OpenAIChatFormat(sendsModel: true).body(grades)["top_logprobs"] == nil)
    }

    @Test("OpenAI: refused parameters stay out; a correction adds the answer and the fix; --judge-param wins")
    func openAIAdjustments() {
        var c = Self.content()
        c.tokenParameter = nil
        c.temperature = nil
        c.correction = ("bad answer", "fix it")
        c.extra = [.init("temperature", .double(0.7)), .init("seed", .int(1))]
        let body = OpenAIChatFormat(sendsModel: true).body(c)
        #expect(body["max_completion_tokens"] == nil && body["max_tokens"] == nil)
        #expect(Self.messages(body) == ["system:SYS", "user:USER", "assistant:bad answer", "user:fix it"])
        #expect(body["temperature"] == .double(0.7) && body["seed"] == .int(1))
    }

    @Test("Azure: the deployment is in the URL, so the body names no model")
    func azure() {
        #expect(JudgeEndpoint.Style.azure.wireFormat.body(Self.content())["model"] == nil)
        #expect(JudgeEndpoint.Style.openAI.wireFormat.body(Self.content())["model"] == .string("m"))
    }

    @Test("Anthropic: system as a field, a forced submit_scores tool, max_tokens always, no OpenAI-only parameters")
    func anthropic() {
        var c = Self.content()
        c.reasoningEffort = "low"
        c.logprobs = true
        let body = AnthropicMessagesFormat().body(c)
        #expect(body["system"] == .string("SYS"))
        #expect(Self.messages(body) == ["user:USER"])
        #expect(body["tool_choice"]?["name"] == .string("submit_scores"))
        #expect(body["tools"]?.arrayValue?.first?["input_schema"] != nil)
        #expect(body["max_tokens"] == .int(300))
        #expect(body["reasoning_effort"] == nil && body["logprobs"] == nil && body["response_format"] == nil)
        c.maxTokens = nil
        #expect(AnthropicMessagesFormat().body(c)["max_tokens"] == .int(AnthropicMessagesFormat.defaultMaxTokens))
        #expect(AnthropicMessagesFormat().body(Self.content(grades: true))["tools"] == nil)
        #expect(AnthropicMessagesFormat().body(Self.content(mode: .text))["tools"] == nil)
    }

    @Test("answers: OpenAI's content or tool-call arguments, Anthropic's tool input or text blocks, a body that is not JSON as is")
    func answers() throws {
        let openAI = OpenAIChatFormat(sendsModel: true), anthropic = AnthropicMessagesFormat()
        let response = HTTPResponse(status: 200, body: Array("not json".utf8))
        #expect(openAI.answer(of: nil, body: response).0 == "not json")
        let content = try JSONParser.parse(Array(#"{"choices":[{"message":{"content":"hello"},"finish_reason":"length"}]}"#.utf8))
        #expect(openAI.answer(of: content, body: response).0 == "hello")
        #expect(openAI.truncated(content) && !anthropic.truncated(content))
        let call = try JSONParser.parse(
            Array(#"{"choices":[{"message":{"tool_calls":[{"function":{"arguments":"{\"a\":1}"}}]}}]}"#.utf8))
        #expect(openAI.answer(of: call, body: response).0 == #"{"a":1}"#)
        let tool = try JSONParser.parse(
            Array(#"{"content":[{"type":"text","text":"t"},{"type":"tool_use","input":{"x":2}}],"stop_reason":"max_tokens"}"#.utf8))
        let (text, value) = anthropic.answer(of: tool, body: response)
        #expect(text == #"{"x":2}"# && value?["x"] == .int(2))
        #expect(anthropic.truncated(tool))
        let blocks = try JSONParser.parse(Array(#"{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}"#.utf8))
        #expect(anthropic.answer(of: blocks, body: response) == ("a\nb", nil))
    }

    @Test("usage: prompt/completion tokens or input/output tokens; none, or negative, counts zero")
    func usage() throws {
        let o = try JSONParser.parse(Array(#"{"usage":{"prompt_tokens":12,"completion_tokens":-3}}"#.utf8))
        #expect(OpenAIChatFormat(sendsModel: true).usage(of: o) == TokenUsage(prompt: 12, completion: 0))
        let a = try JSONParser.parse(Array(#"{"usage":{"input_tokens":7,"output_tokens":5}}"#.utf8))
        #expect(AnthropicMessagesFormat().usage(of: a) == TokenUsage(prompt: 7, completion: 5))
        #expect(AnthropicMessagesFormat().usage(of: nil) == TokenUsage())
    }
}
