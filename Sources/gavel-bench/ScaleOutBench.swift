import ArgumentParser
import Foundation
import GavelTesting

/// The shared PostgreSQL cache against the disk cache, and shards against one process.
struct ScaleOutBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scaleout",
        abstract: "Fully cached rerun from PostgreSQL vs the disk cache; 4 shards vs 1 process on a first run (200 ms judge).",
        discussion: "Example: gavel-bench scaleout --groups 2000 (needs PostgreSQL 15's server binaries)"
    )

    @Option(help: "Groups of 8.") var groups = 2000
    @Option(help: "Timed cached reruns of each cache.") var runs = 3
    @Option var latencyMs = 200
    @Option(help: "Folder for the workload and the caches.") var work = ".build/bench"

    func run() async throws {
        guard PostgresServer.available else { throw BenchError("PostgreSQL 15's server binaries are needed (apt install postgresql)") }
        let input = try Workload.file(groups: groups, in: work)
        let db = try await PostgresServer()
        let url = db.url()
        let disk = "\(work)/scaleout-cache-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: disk) }
        let fast = try SimulatorProcess(arguments: ["--threads", "2"])
        defer { fast.stop() }
        func rank(_ cache: [String], _ extra: [String] = [], base: String) -> [String] {
            ["rank", input, "-o", "\(work)/scaleout-out.jsonl", "--judge", "openai/sim-judge", "--api-base", base, "-q"] + cache + extra
        }
        // 1. Cached reruns: fill each cache once, then alternate.
        for cache in [["--cache-dir", disk], ["--cache-url", url]] {
            let fill = try runChild("gavel", rank(cache, ["--concurrency", "256"], base: fast.baseURL))
            guard fill.status == 0 else { throw BenchError("filling the cache failed: \(fill.stderr)") }
        }
        var fromDisk: [ChildRun] = [], fromDB: [ChildRun] = []
        for _ in 0..<runs {
            fromDisk.append(try runChild("gavel", rank(["--cache-dir", disk, "--cache", "read"], base: fast.baseURL)))
            fromDB.append(try runChild("gavel", rank(["--cache-url", url, "--cache", "read"], base: fast.baseURL)))
        }
        for r in fromDisk + fromDB where r.status != 0 { throw BenchError("a cached rerun failed: \(r.stderr)") }
        let d = median(fromDisk.map(\.wall)), p = median(fromDB.map(\.wall))
        print(String(format: "scaleout benchmark: %d groups × 8 (%.0f MB)", groups, Workload.megabytes(input)))
        print(String(format: "  fully cached rerun, disk cache       wall %6.2f s   CPU %6.2f s", d, median(fromDisk.map(\.cpu))))
        print(
            String(
                format: "  fully cached rerun, PostgreSQL       wall %6.2f s   CPU %6.2f s   (%.2f× the disk cache)", p,
                median(fromDB.map(\.cpu)), p / d))

        // 2. First runs against a slow judge: one process, then four shards at once, both on a cleared database.
        let slow = try SimulatorProcess(arguments: ["--threads", "2", "--latency-ms", String(latencyMs)])
        defer { slow.stop() }
        _ = try runChild("gavel", ["cache", "clear", "--cache-url", url])
        let single = try runChild("gavel", rank(["--cache-url", url], base: slow.baseURL))
        guard single.status == 0 else { throw BenchError("the single run failed: \(single.stderr)") }
        // The same process with as many calls in flight as the four shards together (4 × 32): the fair baseline.
        _ = try runChild("gavel", ["cache", "clear", "--cache-url", url])
        let wide = try runChild("gavel", rank(["--cache-url", url, "--concurrency", "128"], base: slow.baseURL))
        guard wide.status == 0 else { throw BenchError("the single run at concurrency 128 failed: \(wide.stderr)") }
        _ = try runChild("gavel", ["cache", "clear", "--cache-url", url])
        let t0 = Date()
        let shards = try await withThrowingTaskGroup(of: ChildRun.self) { group in
            for i in 0..<4 {
                let args = [
                    "rank", input, "--shard", "\(i)/4", "-o", "\(work)/scaleout-part-\(i).jsonl", "--judge", "openai/sim-judge",
                    "--api-base", slow.baseURL, "--cache-url", url, "-q",
                ]
                group.addTask { try runChild("gavel", args) }
            }
            return try await group.reduce(into: [ChildRun]()) { $0.append($1) }
        }
        for r in shards where r.status != 0 { throw BenchError("a shard failed: \(r.stderr)") }
        let merged = try runChild(
            "gavel", ["merge"] + (0..<4).map { "\(work)/scaleout-part-\($0).jsonl" } + ["-o", "\(work)/scaleout-merged.jsonl"])
        guard merged.status == 0 else { throw BenchError("the merge failed: \(merged.stderr)") }
        let wall = Date().timeIntervalSince(t0)
        print(String(format: "  first run, %d ms judge, 1 process   wall %6.2f s   (--concurrency 32)", latencyMs, single.wall))
        print(String(format: "  first run, 1 process, 128 in flight wall %6.2f s   (--concurrency 128: the 4 shards' total)", wide.wall))
        print(
            String(
                format: "  first run, 4 shards + merge          wall %6.2f s   (%.2f× one process at 32, %.2f× at 128; merge %.2f s)", wall,
                wall / single.wall, wall / wide.wall, merged.wall))
        for f in ["out.jsonl", "merged.jsonl"] + (0..<4).map({ "part-\($0).jsonl" }) {
            try? FileManager.default.removeItem(atPath: "\(work)/scaleout-\(f)")
        }
    }
}
