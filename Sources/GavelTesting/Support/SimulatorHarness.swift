import Foundation
import GavelCurl
import GavelJSON
import GavelJudge

/// Runs `body` against a fresh judge simulator on 127.0.0.1 and stops it afterwards.
public func withSimulator<T>(
    _ configuration: SimulatorConfiguration = .init(),
    _ body: (JudgeSimulator) async throws -> T
) async throws -> T {
    let sim = try await JudgeSimulator(configuration: configuration)
    do {
        let result = try await body(sim)
        await sim.stop()
        return result
    } catch {
        await sim.stop()
        throw error
    }
}

/// A chat-completions request body with the given trajectory blocks (any text: it is JSON-encoded).
public func chatBody(blocks: [String]) -> [UInt8] {
    let text = blocks.enumerated().map { "<trajectory id=\"\($0.offset + 1)\">\n\($0.element)\n</trajectory>" }.joined(separator: "\n\n")
    let message = JSONValue.object(JSONObject(pairs: ["role": .string("user"), "content": .string(text)]))
    return JSONWriter.encode(.object(JSONObject(pairs: ["model": .string("sim"), "messages": .array([message])])))
}

/// A `ChatJudge` for the simulator, over a fresh libcurl transport.
public func simulatorJudge(
    _ sim: JudgeSimulator, settings: JudgeSettings = JudgeSettings(baseBackoff: .milliseconds(5), maxBackoff: .milliseconds(50)),
    style: String = "openai"
) throws -> ChatJudge {
    let base = style == "anthropic" ? "http://127.0.0.1:\(sim.port)/v1" : sim.baseURL
    let endpoint = try JudgeEndpoint.resolve(judge: "\(style)/sim-judge", apiBase: base, environment: [:])
    return ChatJudge(endpoint: endpoint, settings: settings, transport: try CurlTransport())
}

/// Parses JSONL with Foundation (independently of Gavel's parser).
public func parseJSONL(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map { line in
        guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw CocoaError(.coderInvalidValue)
        }
        return o
    }
}
