import ArgumentParser
import Foundation
import GavelTesting

/// ART's Parquet logs vs the same groups as JSONL: a fully cached `gavel rank` of each.
struct ParquetBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parquet",
        abstract: "Fully cached gavel rank of ART's Parquet logs vs the same groups as JSONL: wall time and peak RSS.",
        discussion: """
            The Parquet file is written by ART's own code (openpipe-art's migrate_jsonl_to_parquet, pyarrow, ZSTD) from \
            the JSONL group lines. The cache is filled once from the JSONL; then both files are ranked alternately, \
            fully cached, and the medians compared.

            Example: gavel-bench parquet --python .build/bench/artvenv/bin/python --groups 2000
            """
    )

    @Option(help: "A Python with openpipe-art and pyarrow (writes the Parquet file with ART's own code).") var python: String
    @Option(help: "Groups of 8.") var groups = 2000
    @Option(help: "Timed runs of each.") var runs = 5
    @Option(help: "Folder for the workload and the cache.") var work = ".build/bench"

    func run() async throws {
        let folder = "\(work)/parquet-\(groups)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let jsonl = "\(folder)/groups.jsonl", parquet = "\(folder)/groups.parquet"
        if !FileManager.default.fileExists(atPath: parquet) {
            let data = SyntheticTrajectories(groups: groups, groupSize: 8, toolTurns: 3, toolResultChars: 850)
            try data.groupLines().write(toFile: jsonl, atomically: true, encoding: .utf8)
            // ART's own converter writes groups.parquet beside it.
            let script =
                "from art.utils.trajectory_migration import migrate_jsonl_to_parquet as m; "
                + "r = m('\(jsonl)', delete_original=False); assert not r.errors, r.errors"
            let made = try runChild(python, ["-c", script], environment: ["LITELLM_LOCAL_MODEL_COST_MAP": "True"])
            guard made.status == 0 else { throw BenchError("ART could not write the Parquet file: \(made.stderr)") }
        }
        let cache = "\(folder)/cache-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let sim = try SimulatorProcess(arguments: ["--threads", "2"])
        defer { sim.stop() }
        func args(_ input: String, _ output: String) -> [String] {
            ["rank", input, "-o", output, "--judge", "openai/sim-judge", "--api-base", sim.baseURL, "--cache-dir", cache]
        }
        let fill = try runChild("gavel", args(jsonl, "\(folder)/out.jsonl") + ["--concurrency", "256", "-q"])
        guard fill.status == 0 else { throw BenchError("filling the cache failed: \(fill.stderr)") }

        var fromJSONL: [ChildRun] = [], fromParquet: [ChildRun] = [], parquetToParquet: [ChildRun] = []
        for _ in 0..<runs {
            fromParquet.append(try runChild("gavel", args(parquet, "\(folder)/out.jsonl") + ["--cache", "read"]))
            fromJSONL.append(try runChild("gavel", args(jsonl, "\(folder)/out.jsonl") + ["--cache", "read"]))
            parquetToParquet.append(try runChild("gavel", args(parquet, "\(folder)/out.parquet") + ["--cache", "read"]))
        }
        for r in fromParquet + fromJSONL + parquetToParquet where r.status != 0 || summaryNumber(r.stderr, "cache") != groups {
            throw BenchError("a run failed or missed the cache: \(r.stderr)")
        }
        let jsonlWall = median(fromJSONL.map(\.wall))
        print(
            String(
                format: "parquet benchmark: %d groups × 8, fully cached, median of %d runs each (JSONL %.1f MB, ART's Parquet %.1f MB)",
                groups, runs, Workload.megabytes(jsonl), Workload.megabytes(parquet)))
        for (name, rs) in [("JSONL → JSONL    ", fromJSONL), ("Parquet → JSONL  ", fromParquet), ("Parquet → Parquet", parquetToParquet)] {
            let wall = median(rs.map(\.wall))
            print(
                String(
                    format: "  %@  wall %6.3f s (%.2f× JSONL)   CPU %6.3f s   peak RSS %6.1f MB", name, wall, wall / jsonlWall,
                    median(rs.map(\.cpu)), median(rs.map(\.peakRSSMB))))
        }
    }
}
