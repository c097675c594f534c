import Foundation
import JudgeSimulator
@testable import Gavel

/// Runs `body` against a fresh judge simulator on 127.0.0.1 and stops it afterwards.
func withSimulator<T>(
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

/// A chat-completions request body with the given trajectory blocks.
func chatBody(blocks: [String]) -> [UInt8] {
    let text = blocks.enumerated().map { "<trajectory id=\\\"\($0.offset + 1)\\\">\\n\($0.element)\\n</trajectory>" }.joined(separator: "\\n\\n")
    return Array(#"{"model":"sim","messages":[{"role":"user","content":"\#(text)"}]}"#.utf8)
}

/// A port on 127.0.0.1 that refuses connections: bound (so no other test can take it) but not listening.
final class RefusingPort: @unchecked Sendable {
    let port: Int
    private let fd: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        guard fd >= 0, bound == 0, named == 0 else { throw CocoaError(.fileNoSuchFile) }
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    deinit { close(fd) }
}

/// Paths of the repository, the fixtures and the built products.
enum TestPaths {
    static let repo: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = repo.appendingPathComponent("Tests/Fixtures")
    static func fixture(_ name: String) -> URL { fixtures.appendingPathComponent(name) }
    /// The directory holding the built executables (next to the test bundle).
    static var products: URL {
        var dir = Bundle.main.bundleURL
        for _ in 0..<3 {
            if FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("gavel").path) { return dir }
            dir = dir.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL
    }
}

/// A temporary directory removed when the value is deinitialised.
final class TempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("gavel-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let p = path(name)
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    func read(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }
}

/// A `ChatJudge` for the simulator, over a fresh libcurl transport.
func simulatorJudge(_ sim: JudgeSimulator, settings: JudgeSettings = JudgeSettings(baseBackoff: .milliseconds(5), maxBackoff: .milliseconds(50)), style: String = "openai") throws -> ChatJudge {
    let base = style == "anthropic" ? "http://127.0.0.1:\(sim.port)/v1" : sim.baseURL
    let endpoint = try JudgeEndpoint.resolve(judge: "\(style)/sim-judge", apiBase: base, environment: [:])
    return ChatJudge(endpoint: endpoint, settings: settings, transport: try CurlTransport())
}

/// Parses JSONL with Foundation (independently of Gavel's parser).
func parseJSONL(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map { line in
        guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { throw CocoaError(.coderInvalidValue) }
        return o
    }
}
