import ArgumentParser
import Foundation

/// First run versus fully cached rerun of the same file.
struct CacheBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Rank a 2000-group × 8 file against the simulator, then rerun it fully cached; prints both walls and their ratio.",
        discussion: "Example: gavel-bench cache --groups 2000 --latency-ms 200"
    )

    @Option var groups = 2000
    @Option var latencyMs = 200
    @Option var concurrency = 256
    @Option(help: "Folder for the workload and the cache.") var work = ".build/bench"

    func run() async throws {
        let input = try Workload.file(groups: groups, in: work)
        let cache = "\(work)/cache-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let sim = try SimulatorProcess(arguments: ["--latency-ms", String(latencyMs)])
        defer { sim.stop() }
        let args = [
            "rank", input, "-o", "\(work)/cache-bench-out.jsonl", "--judge", "openai/sim", "--api-base", sim.baseURL,
            "--concurrency", String(concurrency), "--cache-dir", cache,
        ]
        let first = try runChild("gavel", args)
        guard first.status == 0 else { throw BenchError("first run failed: \(first.stderr)") }
        let second = try runChild("gavel", args)
        guard second.status == 0, second.stderr.contains("\(groups) hits, 0 misses") else {
            throw BenchError("cached run did not hit: \(second.stderr)")
        }
        print(
            String(
                format: "cache benchmark: %d groups × 8 (%.0f MB), simulator latency %d ms, concurrency %d", groups,
                Workload.megabytes(input), latencyMs, concurrency))
        print(String(format: "  first run        wall %.2f s   CPU %.2f s", first.wall, first.cpu))
        print(
            String(
                format: "  cached rerun     wall %.2f s   CPU %.2f s   (%.2f× the first run's wall)", second.wall, second.cpu,
                second.wall / first.wall))
    }
}
