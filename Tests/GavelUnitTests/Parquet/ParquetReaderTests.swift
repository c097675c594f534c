import Foundation
import GavelIO
import GavelJSON
import GavelParquet
import GavelTesting
import Testing

/// Gavel's Parquet reader against files from real writers (ART's own, pyarrow with every codec and
/// encoding, DuckDB, polars), compared
/// with the rows pyarrow reads from the same files (`Scripts/make-parquet-fixtures`).
@Suite struct ParquetReaderTests {
    static func rows(_ file: String) throws -> [JSONValue] {
        let reader = try ParquetFileReader(path: TestPaths.fixture("parquet/\(file)").path)
        var out: [JSONValue] = []
        for g in 0..<reader.rowGroupCount {
            out += try reader.readRowGroup(g).map { ParquetJSON.json($0, node: reader.schema.root) }
        }
        #expect(out.count == reader.rowCount)
        return out
    }

    static func expected(_ file: String) throws -> [JSONValue] {
        let data = try Data(contentsOf: TestPaths.fixture("parquet/\(file).rows.json"))
        return try #require(JSONParser.parse([UInt8](data)).arrayValue)
    }

    /// Equal as data: numbers compared by value (Python writes `0.0`, Swift may write `0`).
    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.number, .number): return a.doubleValue == b.doubleValue
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.object(let x), .object(let y)):
            return x.keys == y.keys && x.members.indices.allSatisfy { same(x.members[$0].value, y.members[$0].value) }
        default: return a == b
        }
    }

    @Test(arguments: [
        ("art-zstd.parquet", "art-zstd.parquet"),
        ("pyarrow-snappy-v2.parquet", "art-zstd.parquet"),
        ("pyarrow-gzip-plain.parquet", "art-zstd.parquet"),
        ("pyarrow-rowgroups.parquet", "art-zstd.parquet"),
        ("polars.parquet", "art-zstd.parquet"),
        ("pyarrow-lz4.parquet", "art-zstd.parquet"),
        ("pyarrow-brotli-v2.parquet", "art-zstd.parquet"),
        ("pyarrow-delta.parquet", "art-zstd.parquet"),
        ("pyarrow-delta-v2.parquet", "art-zstd.parquet"),
        ("duckdb.parquet", "art-zstd.parquet"),
        ("duckdb-v2.parquet", "art-zstd.parquet"),
        ("polars-lz4.parquet", "art-zstd.parquet"),
        ("polars-plain.parquet", "art-zstd.parquet"),
        ("nulls.parquet", "nulls.parquet"),
        ("unicode.parquet", "unicode.parquet"),
        ("art-empty.parquet", "art-empty.parquet"),
    ])
    func readsWhatPyarrowReads(file: String, truth: String) throws {
        let got = try Self.rows(file)
        let want = try Self.expected(truth)
        #expect(got.count == want.count)
        for (i, (g, w)) in zip(got, want).enumerated() {
            #expect(Self.same(g, w), "row \(i + 1) of \(file):\n\(JSONWriter.string(g))\nexpected\n\(JSONWriter.string(w))")
        }
    }

    @Test func severalRowGroupsAreReadOneAtATime() throws {
        let reader = try ParquetFileReader(path: TestPaths.fixture("parquet/pyarrow-rowgroups.parquet").path)
        #expect(reader.rowGroupCount == 3)
        #expect(try reader.readRowGroup(0).count == 3)
    }
}
