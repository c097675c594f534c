import ArgumentParser
import Foundation
import GavelJSON

/// Memory and throughput of a fully cached rank of a large flat file.
struct ScaleBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Rank a ~1 GB flat trajectory file once to fill the cache, then fully cached; prints peak RSS and MB/s.",
        discussion: "Example: gavel-bench scale --groups 30000"
    )

    @Option(help: "Groups of 8 (30000 ≈ 1 GB).") var groups = 30000
    @Option var concurrency = 256
    @Option(help: "Folder for the workload and the cache.") var work = ".build/bench"

    func run() async throws {
        let input = try Workload.file(groups: groups, in: work)
        let megabytes = Workload.megabytes(input)
        let cache = "\(work)/scale-cache-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let sim = try SimulatorProcess(arguments: ["--threads", "2"])
        defer { sim.stop() }
        let args = [
            "rank", input, "-o", "\(work)/scale-out.jsonl", "--judge", "openai/sim-judge", "--api-base", sim.baseURL,
            "--concurrency", String(concurrency), "--cache-dir", cache, "-q",
        ]
        let fill = try runChild("gavel", args)
        guard fill.status == 0 else { throw BenchError("filling the cache failed: \(fill.stderr)") }
        let cached = try runChild("gavel", args)
        guard cached.status == 0 else { throw BenchError("the cached run failed: \(cached.stderr)") }
        // "Fully cached" is checked, not assumed: the cache's run log must count no miss.
        let log = FileManager.default.contents(atPath: "\(cache)/last-run.json").flatMap { try? JSONParser.parse($0) }
        guard let misses = log?["misses"]?.intValue, let hits = log?["hits"]?.intValue else {
            throw BenchError("the cached run left no run log in \(cache)/last-run.json")
        }
        guard misses == 0, hits == groups else {
            throw BenchError("the cached run was not fully cached: \(hits) hits, \(misses) misses for \(groups) groups")
        }
        print(String(format: "scale benchmark: %d groups × 8 (%.0f MB flat trajectory lines)", groups, megabytes))
        print(String(format: "  first run (fills the cache)  wall %6.2f s   %6.1f MB/s", fill.wall, megabytes / fill.wall))
        print(
            String(
                format: "  fully cached rank            wall %6.2f s   %6.1f MB/s   peak RSS %.0f MB (%.2f× the file), %d hits, 0 misses",
                cached.wall, megabytes / cached.wall, cached.peakRSSMB, cached.peakRSSMB / megabytes, hits))
        try? FileManager.default.removeItem(atPath: "\(work)/scale-out.jsonl")
    }
}
