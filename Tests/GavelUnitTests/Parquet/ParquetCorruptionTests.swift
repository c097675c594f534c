import Foundation
import GavelParquet
import GavelSupport
import GavelTesting
import Testing

/// Broken Parquet files get a clear `ParquetError`, never a crash, a hang or a huge allocation.
@Suite struct ParquetCorruptionTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: TestPaths.fixture("parquet/\(name)")))
    }

    /// Reads every row group of `bytes` (written to a file); the error, if any.
    static func read(_ bytes: [UInt8], in dir: TempDir, name: String = "f.parquet") throws -> ParquetError? {
        let path = dir.path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do throws(ParquetError) {
            let reader = try ParquetFileReader(path: path, name: name)
            for g in 0..<reader.rowGroupCount { _ = try reader.readRowGroup(g) }
            return nil
        } catch {
            return error
        }
    }

    @Test func truncatedFileSaysSo() throws {
        let dir = try TempDir()
        let bytes = try Self.fixture("art-zstd.parquet")
        let error = try #require(try Self.read(Array(bytes.prefix(bytes.count / 2)), in: dir))
        #expect(error.description == "f.parquet: does not end with PAR1: the file is truncated or not Parquet")
        let tiny = try #require(try Self.read(Array(bytes.prefix(5)), in: dir))
        #expect(tiny.isNotParquet)
    }

    @Test func badMagicIsNotParquet() throws {
        let dir = try TempDir()
        var bytes = try Self.fixture("art-zstd.parquet")
        bytes[0] = UInt8(ascii: "X")
        let error = try #require(try Self.read(bytes, in: dir))
        #expect(error.isNotParquet)
        #expect(error.description.hasPrefix("f.parquet: does not start with Parquet's magic bytes PAR1"))
    }

    @Test func footerPointingPastTheStartSaysSo() throws {
        let dir = try TempDir()
        var bytes = try Self.fixture("art-zstd.parquet")
        let n = bytes.count
        bytes[n - 8] = 0xFF
        bytes[n - 7] = 0xFF
        bytes[n - 6] = 0xFF
        let error = try #require(try Self.read(bytes, in: dir))
        #expect(error.description.contains("the footer length"))
    }

    @Test func corruptPageNamesItsColumn() throws {
        let dir = try TempDir()
        // Uncompressed, so the damage reaches the page header of the first column chunk.
        var bytes = try Self.fixture("pyarrow-rowgroups.parquet")
        for i in 4..<12 { bytes[i] = 0xFF }
        let error = try #require(try Self.read(bytes, in: dir))
        #expect(error.column == "group_index", "\(error)")
        #expect(error.description.hasPrefix("f.parquet: column group_index: "))
    }

    @Test func unsupportedCodecIsNamed() throws {
        // A footer rewritten to claim LZO (the one codec Gavel does not read) for every column: the reader names it, exit-2 style.
        let dir = try TempDir()
        let path = dir.path("lzo.parquet")
        let reader = try ParquetFileReader(path: TestPaths.fixture("parquet/art-zstd.parquet").path)
        var rows: [ParquetValue] = []
        for g in 0..<reader.rowGroupCount { rows += try reader.readRowGroup(g) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let writer = try ParquetFileWriter(fd: fd, schema: reader.schema, codec: .uncompressed)
        for row in rows { try writer.write(row) }
        try writer.finish()
        close(fd)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // In the footer, each ColumnMetaData's codec field (id 4, i32 zigzag 0 = UNCOMPRESSED) follows its path list;
        // the writer emits `codec` as field header 0x15 then value 0x00: patch every such pair after the data.
        let footerLength = Int(bytes[bytes.count - 8]) | Int(bytes[bytes.count - 7]) << 8
        let footerStart = bytes.count - 8 - footerLength
        var patched = 0
        for i in footerStart..<(bytes.count - 9) where bytes[i] == 0x15 && bytes[i + 1] == 0x00 && bytes[i - 1] != 0x15 {
            bytes[i + 1] = 0x06  // zigzag(3) = LZO
            patched += 1
        }
        #expect(patched > 0)
        let error = try #require(try Self.read(bytes, in: dir))
        #expect(error.isUnsupported)
        #expect(error.description.contains("compression LZO is not supported"), "\(error)")
    }

    /// Seeded mutations of every fixture: flipped bytes, cut tails, zeroed runs. Each read either
    /// succeeds or throws a ParquetError; a crash would end the test process.
    @Test func mutatedFilesNeverCrash() throws {
        let dir = try TempDir()
        var rng = SplitMix64(seed: 20_261_126)
        var failures = 0, reads = 0
        for name in [
            "art-zstd.parquet", "pyarrow-snappy-v2.parquet", "pyarrow-gzip-plain.parquet", "pyarrow-rowgroups.parquet",
            "polars.parquet", "nulls.parquet", "pyarrow-delta.parquet", "pyarrow-delta-v2.parquet", "duckdb-v2.parquet",
            "pyarrow-lz4.parquet", "pyarrow-brotli-v2.parquet", "polars-lz4.parquet",
        ] {
            let original = try Self.fixture(name)
            for _ in 0..<150 {
                var bytes = original
                switch rng.next() % 3 {
                case 0:
                    for _ in 0..<(1 + Int(rng.next() % 8)) {
                        bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
                    }
                case 1:
                    // Damage only the footer (the metadata every reader trusts first).
                    let footer = Int(bytes[bytes.count - 8]) | Int(bytes[bytes.count - 7]) << 8
                    let at = bytes.count - 8 - 1 - Int(rng.next() % UInt64(max(1, footer)))
                    bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                default:
                    let at = Int(rng.next() % UInt64(bytes.count))
                    for i in at..<min(bytes.count, at + 16) { bytes[i] = 0 }
                }
                reads += 1
                if try Self.read(bytes, in: dir) != nil { failures += 1 }
            }
        }
        #expect(reads == 12 * 150)
        // Most mutations must be caught; the rest changed only values (a byte of text, say).
        #expect(failures > reads / 3, "\(failures) of \(reads) mutated files were refused")
    }
}
