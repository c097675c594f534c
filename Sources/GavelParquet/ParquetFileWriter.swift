import Foundation
import GavelSupport

/// Writes rows under a schema as a Parquet file: PLAIN values, RLE levels, data pages v1 of about
/// 1 MiB cut at row boundaries, ZSTD (or no) compression, one row group per `rowsPerGroup` rows.
///
/// Simple on purpose: every reader (pyarrow, polars, DuckDB, ART's own) reads this layout, and the
/// output is read far less often than it is written. Not `Sendable`: one writer belongs to one task.
public final class ParquetFileWriter {
    private let output: ([UInt8]) throws(ParquetError) -> Void
    private let schema: ParquetSchema
    private let codec: ParquetCodec
    private let rowsPerGroup: Int
    private let keyValues: [(String, String)]
    private var offset = 0
    private var pending: [ParquetValue] = []
    private var rowGroups: [ThriftValue] = []
    private var rowCount = 0
    private var finished = false

    /// Starts a file on `fd` (which the caller owns and closes).
    public convenience init(
        fd: Int32, schema: ParquetSchema, codec: ParquetCodec = .zstd, rowsPerGroup: Int = 8192, keyValues: [(String, String)] = []
    ) throws(ParquetError) {
        try self.init(
            output: { bytes throws(ParquetError) in
                guard FileDescriptorIO.writeAll(fd, bytes) else { throw .io("cannot write: \(String(cString: strerror(errno)))") }
            }, schema: schema, codec: codec, rowsPerGroup: rowsPerGroup, keyValues: keyValues)
    }

    /// Starts a file whose bytes go, in order, to `output`.
    public init(
        output: @escaping ([UInt8]) throws(ParquetError) -> Void, schema: ParquetSchema, codec: ParquetCodec = .zstd,
        rowsPerGroup: Int = 8192, keyValues: [(String, String)] = []
    ) throws(ParquetError) {
        self.output = output
        self.schema = schema
        self.codec = codec
        self.rowsPerGroup = max(1, rowsPerGroup)
        self.keyValues = keyValues
        try put(Array("PAR1".utf8))
    }

    /// Adds one row (a `.record` of the top-level fields).
    public func write(_ row: ParquetValue) throws(ParquetError) {
        pending.append(row)
        if pending.count >= rowsPerGroup { try flushRowGroup() }
    }

    /// Writes the last row group and the footer.
    public func finish() throws(ParquetError) {
        guard !finished else { return }
        finished = true
        try flushRowGroup()
        var meta = ThriftStruct()
        meta[1] = .i32(2)
        meta[2] = .list(elementType: 12, schema.elements.map { .structure($0) })
        meta[3] = .i64(rowCount)
        meta[4] = .list(elementType: 12, rowGroups)
        if !keyValues.isEmpty {
            meta[5] = .list(
                elementType: 12,
                keyValues.map { k, v in
                    var kv = ThriftStruct()
                    kv[1] = .string(k)
                    kv[2] = .string(v)
                    return .structure(kv)
                })
        }
        meta[6] = .string("gavel")
        var writer = ThriftCompactWriter()
        writer.write(meta)
        let footer = writer.bytes
        try put(footer)
        let n = UInt32(footer.count)
        try put([UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)] + Array("PAR1".utf8))
    }

    private func flushRowGroup() throws(ParquetError) {
        guard !pending.isEmpty else { return }
        var shredder = ColumnShredder(schema: schema)
        for row in pending { try shredder.shred(row) }
        let rows = pending.count
        pending.removeAll(keepingCapacity: true)
        var chunks: [ThriftValue] = []
        var groupBytes = 0
        let groupStart = offset
        for (i, leaf) in schema.leaves.enumerated() {
            do throws(ParquetError) {
                let (chunk, bytes) = try writeChunk(shredder.columns[i], leaf: leaf, path: schema.leafPaths[i])
                chunks.append(.structure(chunk))
                groupBytes += bytes
            } catch {
                throw error.at(path: "", column: schema.leafPaths[i])
            }
        }
        var group = ThriftStruct()
        group[1] = .list(elementType: 12, chunks)
        group[2] = .i64(groupBytes)
        group[3] = .i64(rows)
        group[5] = .i64(groupStart)
        group[6] = .i64(offset - groupStart)
        group[7] = .int(Int64(rowGroups.count), type: 4)
        rowGroups.append(.structure(group))
        rowCount += rows
    }

    /// Writes one column chunk's pages; returns its ColumnChunk struct and its uncompressed size.
    private func writeChunk(_ column: ShreddedColumn, leaf: ParquetSchema.Node, path: String) throws(ParquetError) -> (ThriftStruct, Int) {
        let start = offset
        var uncompressedTotal = 0
        for page in column.pages {
            var body: [UInt8] = []
            for (levels, max) in [(page.repetition, leaf.repetitionLevel), (page.definition, leaf.definitionLevel)] where max > 0 {
                let encoded = RLEHybrid.encode(levels, bitWidth: RLEHybrid.bitWidth(max))
                let n = UInt32(encoded.count)
                body += [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]
                body += encoded
            }
            body += page.values
            let stored = try codec.compress(body)
            var dataHeader = ThriftStruct()
            dataHeader[1] = .i32(page.entries)
            dataHeader[2] = .i32(0)  // PLAIN
            dataHeader[3] = .i32(3)  // RLE
            dataHeader[4] = .i32(3)
            var header = ThriftStruct()
            header[1] = .i32(0)  // DATA_PAGE
            header[2] = .i32(body.count)
            header[3] = .i32(stored.count)
            header[5] = .structure(dataHeader)
            var writer = ThriftCompactWriter()
            writer.write(header)
            uncompressedTotal += writer.bytes.count + body.count
            try put(writer.bytes)
            try put(stored)
        }
        var meta = ThriftStruct()
        meta[1] = .i32(leaf.physicalType?.rawValue ?? 0)
        meta[2] = .list(elementType: 5, [.i32(0), .i32(3)])
        meta[3] = .list(elementType: 8, path.split(separator: ".").map { .string(String($0)) })
        meta[4] = .i32(codec.rawValue)
        meta[5] = .i64(column.entries)
        meta[6] = .i64(uncompressedTotal)
        meta[7] = .i64(offset - start)
        meta[9] = .i64(start)
        var chunk = ThriftStruct()
        chunk[2] = .i64(start)
        chunk[3] = .structure(meta)
        return (chunk, uncompressedTotal)
    }

    private func put(_ bytes: [UInt8]) throws(ParquetError) {
        try output(bytes)
        offset += bytes.count
    }
}
