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

            With --baseline-gavel (another build's binary), every run of this build is interleaved with the same \
            run of that one, and the table shows both and their ratio.

            Example: gavel-bench parquet --python .build/bench/artvenv/bin/python --groups 2000
            """
    )

    @Option(help: "A Python with openpipe-art and pyarrow (writes the Parquet file with ART's own code).") var python: String
    @Option(help: "Groups of 8.") var groups = 2000
    @Option(help: "Timed runs of each.") var runs = 5
    @Option(help: "Another gavel binary (an older build) to run the same way, interleaved with this one.") var baselineGavel: String?
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

        let cases = [
            ("JSONL → JSONL    ", jsonl, "\(folder)/out.jsonl"), ("Parquet → JSONL  ", parquet, "\(folder)/out.jsonl"),
            ("Parquet → Parquet", parquet, "\(folder)/out.parquet"),
        ]
        let binaries = [("this build", "gavel")] + (baselineGavel.map { [("baseline", $0)] } ?? [])
        // runs[binary][case]: every case of every binary once per round, so drift touches all alike.
        var results = [[[ChildRun]]](repeating: [[ChildRun]](repeating: [], count: cases.count), count: binaries.count)
        for _ in 0..<runs {
            for (c, (_, input, output)) in cases.enumerated() {
                for (b, (_, binary)) in binaries.enumerated() {
                    results[b][c].append(try runChild(binary, args(input, output) + ["--cache", "read"]))
                }
            }
        }
        for r in results.joined().joined() where r.status != 0 || summaryNumber(r.stderr, "cache") != groups {
            throw BenchError("a run failed or missed the cache: \(r.stderr)")
        }
        print(
            String(
                format: "parquet benchmark: %d groups × 8, fully cached, median of %d interleaved runs each "
                    + "(JSONL %.1f MB, ART's Parquet %.1f MB)",
                groups, runs, Workload.megabytes(jsonl), Workload.megabytes(parquet)))
        for (b, (binary, _)) in binaries.enumerated() {
            print("  \(binary):")
            let jsonlWall = median(results[b][0].map(\.wall))
            for (c, (name, _, _)) in cases.enumerated() {
                let rs = results[b][c]
                let wall = median(rs.map(\.wall))
                print(
                    String(
                        format: "    %@  wall %6.3f s (%.2f× JSONL)   CPU %6.3f s   peak RSS %6.1f MB", name, wall, wall / jsonlWall,
                        median(rs.map(\.cpu)), median(rs.map(\.peakRSSMB))))
            }
        }
        guard binaries.count == 2 else { return }
        print("  this build / baseline (wall, CPU, peak RSS):")
        for (c, (name, _, _)) in cases.enumerated() {
            func ratio(_ f: (ChildRun) -> Double) -> Double { median(results[0][c].map(f)) / median(results[1][c].map(f)) }
            print(String(format: "    %@  %.2f×  %.2f×  %.2f×", name, ratio(\.wall), ratio(\.cpu), ratio(\.peakRSSMB)))
        }
    }
}
