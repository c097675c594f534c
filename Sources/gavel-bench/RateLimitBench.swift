import ArgumentParser
import Foundation

/// A judge with a rate limit and no `--rpm`: how close Gavel runs to the limit, and how many 429s it meets.
struct RateLimitBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ratelimit",
        abstract: "Rank N groups against a simulator limited to R requests a minute, without --rpm: with and without x-ratelimit headers.",
        discussion: "Example: gavel-bench ratelimit --groups 2000 --limit-rpm 3000"
    )

    @Option var groups = 2000
    @Option var limitRpm = 3000
    @Option var latencyMs = 100
    @Option var concurrency = 32
    @Option(help: "Folder for the workload.") var work = ".build/bench"

    func run() async throws {
        let input = try Workload.file(groups: groups, size: 2, turns: 1, resultChars: 100, in: work)
        print(
            "ratelimit benchmark: \(groups) groups, simulator limited to \(limitRpm) requests/min (one second's burst), latency "
                + "\(latencyMs) ms, --concurrency \(concurrency), no --rpm"
        )
        for hidden in [false, true] {
            var arguments = ["--latency-ms", String(latencyMs), "--limit-rpm", String(limitRpm)]
            if hidden { arguments.append("--hide-limit-headers") }
            let sim = try SimulatorProcess(arguments: arguments)
            defer { sim.stop() }
            let r = try runChild(
                "gavel",
                [
                    "rank", input, "-o", "\(work)/ratelimit-out.jsonl", "--judge", "openai/sim", "--api-base", sim.baseURL,
                    "--concurrency", String(concurrency), "--cache", "off", "--max-retries", "20", "--quiet",
                ])
            guard r.status == 0 else { throw BenchError("the run failed: \(r.stderr)") }
            let stats = try await sim.stats()
            let requests = stats["requests"] as? Int ?? 0
            let limited = (stats["faults"] as? [String: Any])?["rate_limited"] as? Int ?? 0
            let answered = requests - limited
            let rate = Double(answered) / r.wall * 60
            print(
                String(
                    format: "  %@: wall %.1f s (ideal %.1f s), %d requests, %d answered 429 = %.1f%%, achieved %.0f/min = %.2f× the limit",
                    hidden ? "no headers (AIMD)  " : "x-ratelimit headers", r.wall, Double(groups) / Double(limitRpm) * 60, requests,
                    limited,
                    100 * Double(limited) / Double(max(requests, 1)), rate, rate / Double(limitRpm)))
        }
    }
}
