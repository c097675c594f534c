import ArgumentParser
import Foundation
import GavelCurl
import GavelHTTP

/// Measures the libcurl transport: N requests at concurrency C against the simulator with latency L.
struct TransportBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transport",
        abstract: "N requests at concurrency C against gavel-judge-sim with latency L; prints wall/ideal and CPU µs per request.",
        discussion: "Example: gavel-bench transport --requests 2000 --concurrency 200 --latency-ms 100"
    )

    @Option var requests = 2000
    @Option var concurrency = 200
    @Option var latencyMs = 100

    func run() async throws {
        let sim = try SimulatorProcess(arguments: ["--latency-ms", String(latencyMs), "--threads", "1"])
        defer { sim.stop() }
        let transport = try CurlTransport()
        let url = sim.baseURL + "/chat/completions"
        let text =
            #"{"model":"sim","response_format":{"type":"json_object"},"messages":[{"role":"user","content":"<trajectory "#
            + #"id=\"1\">\nQUALITY=0.5\n</trajectory>\n\n<trajectory id=\"2\">\nQUALITY=0.7\n</trajectory>"}]}"#
        let body = Array(text.utf8)
        // Warm-up: one request, so process start-up is not counted.
        _ = try await transport.send(HTTPRequest(url: url, body: body))
        let cpu0 = cpuSeconds(), t0 = now()
        let total = requests, limit = concurrency
        let failures = try await withThrowingTaskGroup(of: Bool.self) { group in
            var started = 0, failed = 0
            while started < min(limit, total) {
                group.addTask { (try? await transport.send(HTTPRequest(url: url, body: body)).status) == 200 }
                started += 1
            }
            while let ok = try await group.next() {
                if !ok { failed += 1 }
                if started < total {
                    group.addTask { (try? await transport.send(HTTPRequest(url: url, body: body)).status) == 200 }
                    started += 1
                }
            }
            return failed
        }
        let wall = now() - t0, cpu = cpuSeconds() - cpu0
        let ideal = Double((total + limit - 1) / limit) * Double(latencyMs) / 1000
        let stats = transport.statistics
        print("transport benchmark: \(total) requests, concurrency \(limit), latency \(latencyMs) ms, \(failures) failed")
        print(String(format: "  wall %.3f s   ideal %.3f s   wall/ideal %.3f", wall, ideal, wall / ideal))
        print(String(format: "  client CPU %.3f s   %.1f µs per request", cpu, cpu / Double(total) * 1e6))
        print("  connections opened: \(stats.connections) for \(stats.requests) requests")
        if failures > 0 { throw ExitCode.failure }
    }
}
