import Foundation
import GavelJSON
import GavelParquet
import GavelTesting
import Testing

@testable import GavelCore
@testable import GavelIO

/// A Parquet input read without a JSONL detour: the judge's view built from decoded rows is what
/// the rows' JSON would give, groups come back whole from any row groups, and the decoded rows kept
/// are bounded.
@Suite struct ParquetInputTests {
    static let artFixtures = [
        "art-zstd.parquet", "nulls.parquet", "unicode.parquet", "polars.parquet", "polars-lz4.parquet", "polars-plain.parquet",
        "duckdb.parquet", "duckdb-v2.parquet", "pyarrow-brotli-v2.parquet", "pyarrow-delta-v2.parquet", "pyarrow-delta.parquet",
        "pyarrow-gzip-plain.parquet", "pyarrow-lz4.parquet", "pyarrow-rowgroups.parquet", "pyarrow-snappy-v2.parquet",
    ]

    /// Group `o`'s trajectories as the JSONL path reads them: its rows written as ART's JSON, then decoded.
    static func viaJSON(_ input: ParquetInput, group o: Int) throws -> [Trajectory] {
        let line = try input.line(ofGroup: o)
        let decoded = try line.withUnsafeBufferPointer { try TrajectoryDecoder.decode($0, path: input.name, line: 1) }
        switch decoded {
        case .group(_, let trajectories): return trajectories
        case .trajectory(_, let trajectory): return [trajectory]
        }
    }

    @Test(arguments: artFixtures)
    func judgeViewIsTheJSONView(file: String) throws {
        let input = try ParquetInput(path: TestPaths.fixture("parquet/\(file)").path, name: file)
        #expect(!input.groups.isEmpty)
        for o in input.groups.indices where input.groups[o].problem == nil {
            let direct = try input.trajectories(ofGroup: o)
            #expect(direct.count == input.groups[o].count)
            #expect(direct == (try Self.viaJSON(input, group: o)), "\(file): group \(o)")
        }
    }

    /// Rows of the ART fixture, rewritten with `group_index` values `order` (one row each) in row groups of `perGroup`.
    static func rewrite(
        groups order: [Int64], perGroup: Int, dropGroupIndex: Bool = false, to path: String,
        change: (Int, inout [ParquetValue], ParquetSchema) -> Void = { _, _, _ in }
    ) throws {
        let reader = try ParquetFileReader(path: TestPaths.fixture("parquet/art-zstd.parquet").path)
        let template = try reader.readRowGroup(0).map { $0.fields ?? [] }
        var root = reader.schema.root
        let gi = try #require(reader.schema.fieldIndex("group_index"))
        if dropGroupIndex { root.children.remove(at: gi) }
        let schema = try ParquetSchema(root: root)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        #expect(fd >= 0)
        defer { close(fd) }
        let writer = try ParquetFileWriter(fd: fd, schema: schema, rowsPerGroup: perGroup)
        for (i, g) in order.enumerated() {
            var fields = template[i % template.count]
            fields[gi] = .int64(g)
            change(i, &fields, reader.schema)
            if dropGroupIndex { fields.remove(at: gi) }
            try writer.write(.record(fields))
        }
        try writer.finish()
    }

    @Test func groupsSpreadOverRowGroupsComeBackWholeInMemberOrder() throws {
        let dir = try TempDir()
        let path = dir.path("spread.parquet")
        // Group 7's rows are 0, 2, 5, 9; group 3's 1, 3, 4; group 8's 6, 7, 8: over 4 row groups of 3.
        let order: [Int64] = [7, 3, 7, 3, 3, 7, 8, 8, 8, 7]
        try Self.rewrite(groups: order, perGroup: 3, to: path)
        let input = try ParquetInput(path: path, name: "spread.parquet")
        #expect(input.rowGroupCount == 4)
        #expect(input.groups.map(\.count) == [4, 3, 3])
        #expect(input.groups.map(\.line) == [1, 2, 7], "a group is named by its first row")
        // Complete groups in the order their last rows come: 3 (row 5), 8 (row 9), 7 (row 10).
        #expect(input.lineOrder == [1, 2, 0])
        let template = try ParquetFileReader(path: TestPaths.fixture("parquet/art-zstd.parquet").path).readRowGroup(0)
        let encoder = ARTRowEncoder(art: input.art, name: "t")
        for (o, rows) in [(0, [0, 2, 5, 9]), (1, [1, 3, 4]), (2, [6, 7, 8])] {
            let expected = rows.map { encoder.judgeView(template[$0 % template.count].fields ?? []) }
            #expect(try input.trajectories(ofGroup: o) == expected, "group \(o)")
            #expect(try input.trajectories(ofGroup: o) == (try Self.viaJSON(input, group: o)))
        }
        #expect(input.cachedRowGroupIndices.count <= ParquetInput.cachedRowGroups, "\(input.cachedRowGroupIndices)")
    }

    @Test func decodedRowGroupsKeptAreBounded() throws {
        let dir = try TempDir()
        let path = dir.path("many.parquet")
        // 40 groups of 4 in row groups of 4: 40 row groups, read in order and out of it.
        try Self.rewrite(groups: (0..<160).map { Int64($0 / 4) }, perGroup: 4, to: path)
        let input = try ParquetInput(path: path, name: "many.parquet")
        #expect(input.rowGroupCount == 40)
        #expect(input.cachedRowGroupIndices == [39], "the scan keeps only the last row group it read")
        for o in [0, 1, 39, 20, 21, 5, 0] {
            #expect(try input.trajectories(ofGroup: o).count == 4)
            #expect(input.cachedRowGroupIndices.count <= ParquetInput.cachedRowGroups)
            #expect(input.cachedRowGroupIndices.last == o, "the row group just read is the most recent")
        }
    }

    @Test func withoutGroupIndexEachRowIsATrajectory() throws {
        let dir = try TempDir()
        let path = dir.path("flat.parquet")
        try Self.rewrite(groups: Array(repeating: 0, count: 8), perGroup: 3, dropGroupIndex: true, to: path)
        let input = try ParquetInput(path: path, name: "flat.parquet")
        #expect(!input.hasGroups)
        #expect(input.groups.count == 8 && input.groups.allSatisfy { $0.count == 1 })
        for o in input.groups.indices {
            let line = try JSONParser.parse(try input.line(ofGroup: o))
            #expect(line["trajectories"] == nil && line["messages_and_choices"] != nil, "a row is one trajectory line")
            #expect(try input.trajectories(ofGroup: o) == (try Self.viaJSON(input, group: o)))
        }
        // Grouped by a key path like trajectory lines: the fixture's rows carry metadata.group_id, 4 each.
        let inputs = try InputSet(paths: [path])
        let index = try InputIndex.scan(inputs, rule: .keyPaths(["metadata.group_id"]), skipInvalid: false, maxLineBytes: 1 << 20)
        #expect(index.records.count == 8)
        #expect(index.groups.map(\.count) == [4, 4], "\(index.groups.map(\.key))")
        let (trajectories, _) = try index.loadGroup(1, from: inputs)
        #expect(trajectories == (try (4..<8).flatMap { try input.trajectories(ofGroup: $0) }))
    }

    @Test func aLargeRowGroupChecksInParallelAndNamesTheEarliestBadRow() throws {
        let dir = try TempDir()
        let path = dir.path("bad.parquet")
        // 1,100 rows in one row group (checked on two threads); rows 1,050 and 300 have broken metrics.
        try Self.rewrite(groups: (0..<1100).map { Int64($0 / 4) }, perGroup: 4000, to: path) { i, fields, schema in
            if i == 1049 || i == 299, let m = schema.fieldIndex("metrics") { fields[m] = .text("{\"broken\": ") }
        }
        #expect(throws: InputError.self) { try ParquetInput(path: path, name: "bad.parquet") }
        do {
            _ = try ParquetInput(path: path, name: "bad.parquet")
        } catch {
            #expect("\(error)".hasPrefix("bad.parquet:300: column metrics: expected a JSON object"), "\(error)")
        }
        try Self.rewrite(groups: (0..<1100).map { Int64($0 / 4) }, perGroup: 4000, to: path)
        let input = try ParquetInput(path: path, name: "ok.parquet")
        #expect(input.groups.count == 275 && input.groups.allSatisfy { $0.count == 4 && $0.problem == nil })
        #expect(input.groups.map(\.firstRow) == Array(stride(from: 0, to: 1100, by: 4)))
    }
}
