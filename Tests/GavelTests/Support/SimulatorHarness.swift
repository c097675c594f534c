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

/// A port on 127.0.0.1 with nothing listening (bound, then closed).
func closedPort() async throws -> Int {
    let sim = try await JudgeSimulator()
    let port = sim.port
    await sim.stop()
    return port
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
