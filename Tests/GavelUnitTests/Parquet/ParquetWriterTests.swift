import Foundation
import GavelParquet
import GavelTesting
import Testing

/// Gavel's Parquet writer: what it writes, its own reader reads back unchanged (pyarrow, polars
/// and DuckDB read it in the integration tests).
@Suite struct ParquetWriterTests {
    static func readAll(_ path: String) throws -> (ParquetSchema, [ParquetValue]) {
        let reader = try ParquetFileReader(path: path)
        var rows: [ParquetValue] = []
        for g in 0..<reader.rowGroupCount { rows += try reader.readRowGroup(g) }
        return (reader.schema, rows)
    }

    static func write(_ rows: [ParquetValue], schema: ParquetSchema, to path: String, rowsPerGroup: Int) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        #expect(fd >= 0)
        defer { close(fd) }
        let writer = try ParquetFileWriter(fd: fd, schema: schema, rowsPerGroup: rowsPerGroup)
        for row in rows { try writer.write(row) }
        try writer.finish()
    }

    @Test(arguments: ["art-zstd.parquet", "nulls.parquet", "unicode.parquet", "polars.parquet", "art-empty.parquet"])
    func roundTrips(file: String) throws {
        let dir = try TempDir()
        let (schema, rows) = try Self.readAll(TestPaths.fixture("parquet/\(file)").path)
        let out = dir.path("out.parquet")
        try Self.write(rows, schema: schema, to: out, rowsPerGroup: 3)
        let (schema2, rows2) = try Self.readAll(out)
        #expect(schema2 == schema)
        #expect(rows2 == rows)
        let reader = try ParquetFileReader(path: out)
        #expect(reader.rowGroupCount == (rows.count + 2) / 3)
    }

    @Test func rejectsAValueOfTheWrongType() throws {
        let dir = try TempDir()
        let (schema, _) = try Self.readAll(TestPaths.fixture("parquet/art-zstd.parquet").path)
        let bad = ParquetValue.record(Array(repeating: .text("x"), count: schema.root.children.count))
        #expect(throws: ParquetError.self) { try Self.write([bad], schema: schema, to: dir.path("bad.parquet"), rowsPerGroup: 10) }
    }
}
