import Foundation
import GavelSupport

/// Reads a Parquet file one row group at a time, so memory is bounded by the largest row group.
///
/// Hand-written: the package mirror has no Parquet reader. It covers what real writers (pyarrow,
/// polars, DuckDB, Spark) produce: the Thrift compact footer, data pages v1 and v2, dictionary
/// pages, PLAIN / PLAIN_DICTIONARY / RLE_DICTIONARY / RLE values, RLE and bit-packed levels, nested
/// lists and structs, DELTA and BYTE_STREAM_SPLIT values, and every codec but LZO. Anything else is a clear
/// `ParquetError`. Not `Sendable`: one reader belongs to one task.
public final class ParquetFileReader {
    /// The file as the user named it (for messages).
    public let name: String
    public let schema: ParquetSchema
    /// Rows in the file, as the footer says.
    public let rowCount: Int
    /// The writer, as the footer names it.
    public let createdBy: String?
    private let fd: Int32
    private let rowGroups: [ThriftStruct]
    private let dataEnd: Int

    /// The number of row groups.
    public var rowGroupCount: Int { rowGroups.count }

    /// How the writer compressed the file: its first column chunk's codec (nil without one, or for
    /// a codec Gavel does not read).
    public var codec: ParquetCodec? {
        guard let chunk = rowGroups.first?.list(1)?.first?.structValue, let meta = chunk.structure(3) else { return nil }
        return ParquetCodec(rawValue: meta.int(4) ?? 0)
    }

    /// True when the file at `path` starts with Parquet's magic bytes `PAR1`.
    public static func isParquet(path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return FileDescriptorIO.pread(fd, offset: 0, length: 4) == Array("PAR1".utf8)
    }

    /// Opens `path` and reads its footer; `name` is how messages refer to the file.
    public init(path: String, name: String? = nil) throws(ParquetError) {
        let name = name ?? path
        self.name = name
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ParquetError.io("cannot open: \(String(cString: strerror(errno)))").at(path: name) }
        do throws(ParquetError) {
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw .io("cannot stat: \(String(cString: strerror(errno)))") }
            let size = Int(info.st_size)
            guard size >= 12, let head = FileDescriptorIO.pread(fd, offset: 0, length: 4),
                let tail = FileDescriptorIO.pread(fd, offset: size - 8, length: 8)
            else { throw .notParquet("too short for a Parquet file (\(size) bytes)") }
            if head == Array("PARE".utf8) || tail.suffix(4) == Array("PARE".utf8)[...] { throw .unsupported("encryption") }
            guard head == Array("PAR1".utf8) else { throw .notParquet("does not start with Parquet's magic bytes PAR1") }
            guard tail.suffix(4) == Array("PAR1".utf8)[...] else {
                throw .corrupt("does not end with PAR1: the file is truncated or not Parquet")
            }
            let footerLength = Int(UInt32(tail[0]) | UInt32(tail[1]) << 8 | UInt32(tail[2]) << 16 | UInt32(tail[3]) << 24)
            guard footerLength <= size - 12 else { throw .corrupt("the footer length (\(footerLength)) points past the start of the file") }
            dataEnd = size - 8 - footerLength
            guard let footer = FileDescriptorIO.pread(fd, offset: dataEnd, length: footerLength) else {
                throw .io("cannot read the footer: \(String(cString: strerror(errno)))")
            }
            var reader = ThriftCompactReader(footer)
            let meta = try reader.readStruct()
            if meta[8] != nil { throw .unsupported("encryption") }
            guard let elements = meta.list(2)?.compactMap(\.structValue), !elements.isEmpty else {
                throw .corrupt("the footer has no schema")
            }
            schema = try ParquetSchema(elements: elements)
            rowCount = meta.int(3) ?? 0
            rowGroups = (meta.list(4) ?? []).compactMap(\.structValue)
            createdBy = meta.string(6)
        } catch {
            close(fd)
            throw error.at(path: name)
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// The rows of row group `index`, each a `.record` of the top-level fields; with `fields`, only
    /// those top-level fields are decoded (the others read as null).
    public func readRowGroup(_ index: Int, fields: Set<Int>? = nil) throws(ParquetError) -> [ParquetValue] {
        let group = rowGroups[index]
        guard let rows = group.int(3), rows >= 0 else { throw ParquetError.corrupt("row group \(index) has no row count").at(path: name) }
        let chunks = (group.list(1) ?? []).compactMap(\.structValue)
        guard chunks.count == schema.leaves.count else {
            throw ParquetError.corrupt("row group \(index) has \(chunks.count) columns; the schema has \(schema.leaves.count)").at(
                path: name)
        }
        var columns: [ColumnData] = []
        columns.reserveCapacity(chunks.count)
        var wanted = [Bool](repeating: fields == nil, count: chunks.count)
        for f in fields ?? [] where f < schema.root.children.count {
            let node = schema.root.children[f]
            for leaf in node.leafStart..<(node.leafStart + node.leafCount) { wanted[leaf] = true }
        }
        for (i, chunk) in chunks.enumerated() {
            guard wanted[i] else {
                columns.append(ColumnData())
                continue
            }
            do throws(ParquetError) {
                columns.append(try readChunk(chunk, leaf: schema.leaves[i]))
            } catch {
                throw error.at(path: name, column: schema.leafPaths[i])
            }
        }
        do throws(ParquetError) {
            var assembler = RecordAssembler(columns: columns, leaves: schema.leaves, paths: schema.leafPaths, wanted: wanted)
            var out: [ParquetValue] = []
            out.reserveCapacity(min(rows, 1 << 16))
            for _ in 0..<rows { out.append(try assembler.readRow(schema.root)) }
            try assembler.finish()
            return out
        } catch {
            throw error.at(path: name)
        }
    }

    private func readChunk(_ chunk: ThriftStruct, leaf: ParquetSchema.Node) throws(ParquetError) -> ColumnData {
        if chunk[1] != nil { throw .unsupported("a column stored in another file") }
        if chunk[8] != nil || chunk[9] != nil { throw .unsupported("encryption") }
        guard let meta = chunk.structure(3) else { throw .corrupt("a column chunk without metadata") }
        guard let entries = meta.int(5), let length = meta.int(7), let dataOffset = meta.int(9), entries >= 0, length >= 0 else {
            throw .corrupt("a column chunk without its value count, size or offset")
        }
        if let t = meta.int(1), t != leaf.physicalType?.rawValue { throw .corrupt("the column's type differs from its schema's") }
        if entries == 0 { return ColumnData() }  // writers point empty chunks anywhere (pyarrow: offset 0)
        let codec = try ParquetCodec.named(meta.int(4) ?? 0)
        var start = dataOffset
        if let d = meta.int(11), d > 0, d < dataOffset { start = d }
        guard start >= 4, length <= dataEnd - start else { throw .corrupt("the column chunk points past the end of the data") }
        guard let bytes = FileDescriptorIO.pread(fd, offset: start, length: length) else {
            throw .io("cannot read the column chunk: \(String(cString: strerror(errno)))")
        }
        return try ColumnChunkReader.read(bytes, leaf: leaf, codec: codec, entries: entries)
    }
}
