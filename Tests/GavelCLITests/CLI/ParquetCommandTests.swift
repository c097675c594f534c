import Foundation
import GavelJSON
import GavelParquet
import GavelTesting
import Testing

/// `gavel rank` on ART's Parquet logs, end to end against the simulator.
@Suite("Parquet in and out")
struct ParquetCommandTests {
    static let parquet = TestPaths.fixture("parquet/art-zstd.parquet").path
    /// The same groups as ART's legacy JSONL logs held them.
    static let jsonl = TestPaths.fixture("parquet/art-zstd.jsonl").path

    static func lines(_ path: String) throws -> [JSONObject] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try #require(JSONParser.parse(String($0)).objectValue)
        }
    }

    static func rows(_ path: String) throws -> (ParquetSchema, [[ParquetValue]]) {
        let reader = try ParquetFileReader(path: path)
        var rows: [[ParquetValue]] = []
        for g in 0..<reader.rowGroupCount { rows += try reader.readRowGroup(g).map { $0.fields ?? [] } }
        return (reader.schema, rows)
    }

    @Test("a Parquet file ranks like ART's JSONL of the same groups, and hits the same cache entries")
    func parquetMatchesJSONL() async throws {
        let dir = try TempDir()
        try await withSimulator { sim in
            let common = ["--judge", "openai/sim", "--api-base", sim.baseURL, "--cache-dir", dir.path("cache"), "-q"]
            let a = try await runProduct("gavel", ["rank", Self.parquet, "-o", dir.path("a.jsonl")] + common)
            #expect(a.status == 0, "\(a.stderr)")
            #expect(sim.stats.snapshot.requests == 2)
            let b = try await runProduct("gavel", ["rank", Self.jsonl, "-o", dir.path("b.jsonl")] + common)
            #expect(b.status == 0, "\(b.stderr)")
            #expect(sim.stats.snapshot.requests == 2, "the JSONL of the same groups missed the cache")
            let fromParquet = try Self.lines(dir.path("a.jsonl")), fromJSONL = try Self.lines(dir.path("b.jsonl"))
            // -o X.jsonl from Parquet input writes ART group lines.
            #expect(fromParquet.count == 2 && fromParquet.allSatisfy { $0["trajectories"]?.arrayValue?.count == 4 })
            for (p, j) in zip(fromParquet, fromJSONL) {
                let ps = p["trajectories"]?.arrayValue ?? [], js = j["trajectories"]?.arrayValue ?? []
                for (x, y) in zip(ps, js) {
                    for field in ["score", "rank", "advantage", "group"] {
                        #expect(x["gavel"]?[field] == y["gavel"]?[field], "\(field)")
                    }
                    #expect(x["reward"] == x["gavel"]?["score"])
                }
            }
        }
    }

    @Test("-o ranked.parquet writes ART's schema back: rewards, metrics and logs set, a gavel column, the rest unchanged")
    func parquetOutput() async throws {
        let dir = try TempDir()
        let out = dir.path("ranked.parquet")
        try await withSimulator { sim in
            let r = try await runProduct(
                "gavel", ["rank", Self.parquet, "-o", out, "--judge", "openai/sim", "--api-base", sim.baseURL, "--cache", "off", "-q"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        // gavel eval and gavel report read ranked Parquet like ranked JSONL.
        let eval = try await runProduct("gavel", ["eval", out, "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect(try JSONParser.parse(eval.stdout)["groups"]?.intValue == 2, "\(eval.stdout)")
        let report = try await runProduct("gavel", ["report", out, "-o", dir.path("r.html")])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(try String(contentsOfFile: dir.path("r.html"), encoding: .utf8).contains("g000001"))
        let (inSchema, input) = try Self.rows(Self.parquet)
        let (outSchema, output) = try Self.rows(out)
        #expect(outSchema.root.children.map(\.name) == inSchema.root.children.map(\.name) + ["gavel"])
        #expect(output.count == input.count)
        let names = inSchema.root.children.map(\.name)
        func at(_ name: String) -> Int { names.firstIndex(of: name) ?? -1 }
        for (i, (row, original)) in zip(output, input).enumerated() {
            let gavel = try #require(row[names.count].text.flatMap { try? JSONParser.parse($0) }, "row \(i + 1) has no gavel JSON")
            let score = try #require(gavel["score"]?.doubleValue)
            #expect(row[at("reward")] == .double(score))
            let metrics = try #require(row[at("metrics")].text.flatMap { try? JSONParser.parse($0) })
            #expect(metrics["ruler_score"]?.doubleValue == score)
            #expect(metrics["independent_reward"]?.doubleValue == 0)
            #expect(metrics["duration"] != nil, "the original metrics were kept")
            let logs = try #require(row[at("logs")].items)
            #expect(logs.last?.text?.hasPrefix("RULER explanation: ") == true)
            for name in names where !["reward", "metrics", "logs"].contains(name) {
                #expect(row[at(name)] == original[at(name)], "row \(i + 1): \(name) changed")
            }
        }
    }

    @Test("a folder ranks its .parquet and .jsonl files in name order; --output-dir writes one file per input in its format")
    func folderAndOutputDirectory() async throws {
        let dir = try TempDir()
        let runs = dir.path("run")
        try FileManager.default.createDirectory(atPath: runs, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.parquet, toPath: runs + "/0001.parquet")
        try FileManager.default.copyItem(atPath: TestPaths.fixture("parquet/unicode.parquet").path, toPath: runs + "/0002.parquet")
        try FileManager.default.copyItem(
            atPath: TestPaths.repo.appendingPathComponent("Examples/art-group-lines.jsonl").path, toPath: runs + "/0003.jsonl")
        try "not trajectories".write(toFile: runs + "/notes.txt", atomically: true, encoding: .utf8)
        try await withSimulator { sim in
            let common = ["--judge", "openai/sim", "--api-base", sim.baseURL, "--cache", "off", "-q"]
            let r = try await runProduct("gavel", ["rank", runs, "--output-dir", dir.path("ranked")] + common)
            #expect(r.status == 0, "\(r.stderr)")
            let made = try FileManager.default.contentsOfDirectory(atPath: dir.path("ranked")).sorted()
            #expect(made == ["0001.parquet", "0002.parquet", "0003.jsonl"])
            #expect(try Self.rows(dir.path("ranked/0001.parquet")).1.count == 8)
            #expect(try Self.rows(dir.path("ranked/0002.parquet")).1.count == 6)
            #expect(try Self.lines(dir.path("ranked/0003.jsonl")).count == 2)
            // One combined JSONL output, in name order: 2 + 2 + 2 group lines.
            let all = try await runProduct("gavel", ["rank", runs, "-o", dir.path("all.jsonl")] + common)
            #expect(all.status == 0, "\(all.stderr)")
            let groups = try Self.lines(dir.path("all.jsonl")).map { $0["trajectories"]?.arrayValue?.first?["gavel"]?["group"] }
            #expect(groups.count == 6)
            #expect(groups[2] == .string("u0"), "the files were not read in name order: \(groups)")
        }
    }

    @Test("Parquet problems stop with FILE: column X: what, exit 2, before any judge call")
    func errors() async throws {
        let dir = try TempDir()
        var bytes = [UInt8](try Data(contentsOf: TestPaths.fixture("parquet/pyarrow-rowgroups.parquet")))
        for i in 4..<12 { bytes[i] = 0xFF }
        let broken = dir.path("broken.parquet")
        try Data(bytes).write(to: URL(fileURLWithPath: broken))
        try await withSimulator { sim in
            let common = ["--judge", "openai/sim", "--api-base", sim.baseURL, "--cache", "off"]
            let r = try await runProduct("gavel", ["rank", broken, "-o", dir.path("o.jsonl")] + common)
            #expect(r.status == 2)
            #expect(r.stderr.contains("\(broken): column group_index: "), "\(r.stderr)")
            let jsonlToParquet = try await runProduct(
                "gavel",
                ["rank", TestPaths.repo.appendingPathComponent("Examples/art-group-lines.jsonl").path, "-o", dir.path("x.parquet")]
                    + common)
            #expect(jsonlToParquet.status == 2)
            #expect(jsonlToParquet.stderr.contains("Parquet output is written from Parquet input"), "\(jsonlToParquet.stderr)")
            let notART = TestPaths.fixture("parquet/not-art.parquet").path
            let schema = try await runProduct("gavel", ["rank", notART, "-o", dir.path("o.jsonl")] + common)
            #expect(schema.status == 2)
            #expect(
                schema.stderr.contains("\(notART): column messages: not found: expected ART's trajectory schema"), "\(schema.stderr)")
            let both = try await runProduct("gavel", ["rank", Self.parquet, "-o", dir.path("a"), "--output-dir", dir.path("b")] + common)
            #expect(both.status == 2)
            #expect(sim.stats.snapshot.requests == 0)
            #expect(!FileManager.default.fileExists(atPath: dir.path("o.jsonl")))
        }
    }

    static let python = ProcessInfo.processInfo.environment["GAVEL_PARQUET_PYTHON"]

    @Test(
        "ART's reader (DuckDB), polars and pyarrow read every writer's file ranked: rewards are the scores, the rest the input's",
        .enabled(if: python != nil, "set GAVEL_PARQUET_PYTHON to a Python with openpipe-art, duckdb, polars and pyarrow (.ci/run does)"))
    func readBackByARTAndPolars() async throws {
        let dir = try TempDir()
        let python = try #require(Self.python)
        // Every ART-shaped fixture (pyarrow with each codec and encoding, v2 pages, small row groups;
        // DuckDB default and V2; polars default, lz4 and uncompressed without statistics).
        let fixtures = [
            "art-zstd.parquet", "unicode.parquet", "polars.parquet", "polars-lz4.parquet", "polars-plain.parquet",
            "pyarrow-brotli-v2.parquet", "pyarrow-delta-v2.parquet", "pyarrow-delta.parquet", "pyarrow-gzip-plain.parquet",
            "pyarrow-lz4.parquet", "pyarrow-rowgroups.parquet", "pyarrow-snappy-v2.parquet", "duckdb.parquet", "duckdb-v2.parquet",
        ]
        var pairs: [String] = []
        try await withSimulator { sim in
            for fixture in fixtures {
                let input = TestPaths.fixture("parquet/\(fixture)").path
                let out = dir.path("ranked-\(fixture)")
                let r = try await runProduct(
                    "gavel", ["rank", input, "-o", out, "--judge", "openai/sim", "--api-base", sim.baseURL, "--cache", "off", "-q"])
                #expect(r.status == 0, "\(fixture): \(r.stderr)")
                pairs += [input, out]
            }
        }
        // One Python run for all (importing ART takes seconds).
        let check = try await runProduct(
            python, [TestPaths.fixture("parquet/read_back.py").path] + pairs, environment: ["LITELLM_LOCAL_MODEL_COST_MAP": "True"])
        #expect(check.status == 0, "\(check.stderr)")
        let oks = check.stdout.split(separator: "\n").filter { $0.hasPrefix("ok ") }
        #expect(oks.count == fixtures.count, "\(check.stdout)")
    }

    @Test("a group without messages stops the run naming its row; with --on-invalid skip its rows are written back unchanged")
    func invalidGroup() async throws {
        let dir = try TempDir()
        let nulls = TestPaths.fixture("parquet/nulls.parquet").path
        try await withSimulator { sim in
            let common = ["--judge", "openai/sim", "--api-base", sim.baseURL, "--cache", "off"]
            let stop = try await runProduct("gavel", ["rank", nulls, "-o", dir.path("a.parquet")] + common)
            #expect(stop.status == 2)
            #expect(
                stop.stderr.contains("\(nulls):3: trajectories[0]: \"messages_and_choices\" is empty (row 3 has no messages)"),
                "\(stop.stderr)")
            #expect(sim.stats.snapshot.requests == 0)
            let skip = try await runProduct("gavel", ["rank", nulls, "-o", dir.path("b.parquet"), "--on-invalid", "skip", "-q"] + common)
            #expect(skip.status == 0, "\(skip.stderr)")
        }
        let (schema, input) = try Self.rows(nulls)
        let (_, output) = try Self.rows(dir.path("b.parquet"))
        #expect(output.count == 4)
        let gavel = schema.root.children.count
        #expect(output[0][gavel] != .null && output[1][gavel] != .null, "the valid group was not ranked")
        for r in 2..<4 {
            #expect(Array(output[r].prefix(gavel)) == input[r], "skipped row \(r + 1) changed")
            #expect(output[r][gavel] == .null)
        }
    }

    @Test("--dry-run and --samples count Parquet groups like JSONL ones")
    func dryRunAndSamples() async throws {
        try await withSimulator { sim in
            let r = try await runProduct(
                "gavel", ["rank", Self.parquet, "--judge", "openai/gpt-4o-mini", "--api-base", sim.baseURL, "--dry-run", "--samples", "3"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("judge calls    6 (0 answered by the cache)"), "\(r.stdout)")
            #expect(sim.stats.snapshot.requests == 0)
        }
    }

    @Test("Parquet output keeps the input's codec where Gavel writes it (else ZSTD); --parquet-compression chooses; the rows are the same")
    func outputCompression() async throws {
        let dir = try TempDir()
        try await withSimulator { sim in
            let common = ["--judge", "openai/sim", "--api-base", sim.baseURL, "--cache", "off", "-q"]
            func rank(_ fixture: String, _ out: String, _ extra: [String] = []) async throws -> ParquetCodec? {
                let r = try await runProduct(
                    "gavel", ["rank", TestPaths.fixture("parquet/\(fixture)").path, "-o", dir.path(out)] + common + extra)
                #expect(r.status == 0, "\(fixture) \(extra): \(r.stderr)")
                return try ParquetFileReader(path: dir.path(out)).codec
            }
            #expect(try await rank("pyarrow-snappy-v2.parquet", "snappy.parquet") == .snappy)
            #expect(try await rank("polars-plain.parquet", "plain.parquet") == .uncompressed)
            #expect(try await rank("pyarrow-brotli-v2.parquet", "brotli.parquet") == .zstd, "BROTLI is read, not written")
            #expect(try await rank("art-zstd.parquet", "none.parquet", ["--parquet-compression", "none"]) == .uncompressed)
            #expect(try await rank("art-zstd.parquet", "zstd.parquet") == .zstd)
            #expect(try await rank("art-zstd.parquet", "snappy2.parquet", ["--parquet-compression", "snappy"]) == .snappy)
            // The codec changes the bytes, never the rows.
            let (_, none) = try Self.rows(dir.path("none.parquet"))
            let (_, zstd) = try Self.rows(dir.path("zstd.parquet"))
            let (_, snappy) = try Self.rows(dir.path("snappy2.parquet"))
            #expect(none == zstd && snappy == zstd && !zstd.isEmpty)
            let bad = try await runProduct(
                "gavel", ["rank", Self.parquet, "-o", dir.path("x.parquet"), "--parquet-compression", "lzo"] + common)
            #expect(bad.status == 2 && bad.stderr.contains("--parquet-compression"), "\(bad.stderr)")
        }
    }
}
