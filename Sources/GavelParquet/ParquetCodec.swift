import CCodecs

/// The compression codecs Gavel reads (and, for ZSTD and none, writes), through the system libraries:
/// every codec of the Parquet spec that writers use (LZO alone stays refused).
public enum ParquetCodec: Int, Sendable {
    case uncompressed = 0, snappy = 1, gzip = 2, brotli = 4, lz4 = 5, zstd = 6, lz4Raw = 7

    /// The largest page Gavel decompresses (writers default to 1 MiB; this guards against a corrupt size).
    static let maxPageBytes = 512 << 20

    /// The codec with Parquet's number `raw`, or why it is not supported.
    static func named(_ raw: Int) throws(ParquetError) -> ParquetCodec {
        if let c = ParquetCodec(rawValue: raw) { return c }
        let names = [3: "LZO"]
        throw .unsupported("compression \(names[raw] ?? "number \(raw)")")
    }

    /// Decompresses `input` into exactly `size` bytes.
    func decompress(_ input: ArraySlice<UInt8>, size: Int) throws(ParquetError) -> [UInt8] {
        guard size >= 0 else { throw .corrupt("a page claims \(size) uncompressed bytes") }
        guard size <= Self.maxPageBytes else { throw .unsupported("a page of more than \(Self.maxPageBytes >> 20) MiB") }
        if self == .uncompressed {
            guard input.count == size else { throw .corrupt("an uncompressed page of \(input.count) bytes claims \(size)") }
            return Array(input)
        }
        // Check what the compressed data itself says before allocating what the header claims.
        let problem: String? = input.withUnsafeBytes { src in
            switch self {
            case .zstd:
                let claimed = ZSTD_getFrameContentSize(src.baseAddress, src.count)
                if claimed == ZSTD_CONTENTSIZE_ERROR { return "a ZSTD page is not ZSTD data" }
                // One frame that states its size must state the page's (several frames add up in the decoder).
                if claimed != ZSTD_CONTENTSIZE_UNKNOWN, claimed != UInt64(size),
                    ZSTD_findFrameCompressedSize(src.baseAddress, src.count) == src.count
                {
                    return "a ZSTD page holds \(claimed) bytes; its header claims \(size)"
                }
                return nil
            case .snappy:
                var length = 0
                let status = snappy_uncompressed_length(src.baseAddress?.assumingMemoryBound(to: CChar.self), src.count, &length)
                return status == SNAPPY_OK && length == size ? nil : "a SNAPPY page does not hold the \(size) bytes its header claims"
            case .gzip:
                // Deflate expands at most about 1032:1.
                return size <= src.count * 1032 + 1024 ? nil : "a GZIP page cannot hold the \(size) bytes its header claims"
            case .lz4, .lz4Raw:
                // An LZ4 block expands at most 255:1.
                return size <= src.count * 255 + 64 ? nil : "an LZ4 page cannot hold the \(size) bytes its header claims"
            case .brotli, .uncompressed: return nil
            }
        }
        if let problem { throw .corrupt(problem) }
        var output = [UInt8](repeating: 0, count: size)
        let produced: Int? = output.withUnsafeMutableBytes { out in
            input.withUnsafeBytes { src in
                switch self {
                case .uncompressed: return nil
                case .zstd:
                    let n = ZSTD_decompress(out.baseAddress, out.count, src.baseAddress, src.count)
                    return ZSTD_isError(n) != 0 ? nil : Int(n)
                case .snappy:
                    var length = 0
                    guard snappy_uncompressed_length(src.baseAddress?.assumingMemoryBound(to: CChar.self), src.count, &length) == SNAPPY_OK,
                        length == out.count
                    else { return nil }
                    var outLength = out.count
                    let status = snappy_uncompress(
                        src.baseAddress?.assumingMemoryBound(to: CChar.self), src.count,
                        out.baseAddress?.assumingMemoryBound(to: CChar.self), &outLength)
                    return status == SNAPPY_OK ? outLength : nil
                case .gzip:
                    return Self.gunzip(src, into: out)
                case .lz4Raw:
                    return Self.lz4Block(src, into: out)
                case .lz4:
                    return Self.hadoopLZ4(src, into: out) ?? Self.lz4Block(src, into: out)
                case .brotli:
                    var length = out.count
                    let status = BrotliDecoderDecompress(
                        src.count, src.baseAddress?.assumingMemoryBound(to: UInt8.self), &length,
                        out.baseAddress?.assumingMemoryBound(to: UInt8.self))
                    return status == BROTLI_DECODER_RESULT_SUCCESS ? length : nil
                }
            }
        }
        guard let produced, produced == size else {
            throw .corrupt("a \(self) page does not decompress to the \(size) bytes it claims")
        }
        return output
    }

    /// The codecs Gavel writes.
    public static let writable: [ParquetCodec] = [.zstd, .snappy, .uncompressed]

    /// Compresses `input` (ZSTD, SNAPPY or none: `writable`).
    func compress(_ input: [UInt8]) throws(ParquetError) -> [UInt8] {
        switch self {
        case .uncompressed: return input
        case .zstd:
            var output = [UInt8](repeating: 0, count: ZSTD_compressBound(input.count))
            let n = output.withUnsafeMutableBytes { out in
                input.withUnsafeBytes { ZSTD_compress(out.baseAddress, out.count, $0.baseAddress, $0.count, 3) }
            }
            guard ZSTD_isError(n) == 0 else { throw .io("ZSTD compression failed") }
            output.removeSubrange(Int(n)...)
            return output
        case .snappy:
            var length = snappy_max_compressed_length(input.count)
            var output = [UInt8](repeating: 0, count: length)
            let status = output.withUnsafeMutableBytes { out in
                input.withUnsafeBytes {
                    snappy_compress(
                        $0.baseAddress?.assumingMemoryBound(to: CChar.self), input.count,
                        out.baseAddress?.assumingMemoryBound(to: CChar.self),
                        &length)
                }
            }
            guard status == SNAPPY_OK else { throw .io("SNAPPY compression failed") }
            output.removeSubrange(length...)
            return output
        case .gzip, .brotli, .lz4, .lz4Raw: throw .unsupported("writing \(self)")
        }
    }

    /// One raw LZ4 block filling exactly `out` (LZ4_RAW); nil when corrupt.
    private static func lz4Block(_ src: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int? {
        guard src.count <= Int(Int32.max), out.count <= Int(Int32.max) else { return nil }
        let n = LZ4_decompress_safe(
            src.baseAddress?.assumingMemoryBound(to: CChar.self), out.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(src.count),
            Int32(out.count))
        return n < 0 ? nil : Int(n)
    }

    /// The deprecated LZ4 codec as Hadoop (and older Arrow) frames it: blocks of a 4-byte big-endian
    /// decompressed size, a 4-byte big-endian compressed size, then a raw LZ4 block. Nil when the
    /// data is not framed so (some writers put a bare block under this codec: the caller tries that).
    private static func hadoopLZ4(_ src: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int? {
        func be32(_ at: Int) -> Int { Int(UInt32(bigEndian: src.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
        guard let input = src.baseAddress, let output = out.baseAddress else { return src.isEmpty && out.isEmpty ? 0 : nil }
        var p = 0, produced = 0
        while p < src.count {
            guard src.count - p >= 8 else { return nil }
            let expanded = be32(p), compressed = be32(p + 4)
            p += 8
            guard compressed <= src.count - p, expanded <= out.count - produced else { return nil }
            let n = LZ4_decompress_safe(
                (input + p).assumingMemoryBound(to: CChar.self), (output + produced).assumingMemoryBound(to: CChar.self),
                Int32(compressed), Int32(expanded))
            guard n == Int32(expanded) else { return nil }
            p += compressed
            produced += expanded
        }
        return produced
    }

    /// Inflates a gzip (or zlib) stream; nil when it is corrupt or does not fill `out` exactly.
    private static func gunzip(_ src: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int? {
        var stream = z_stream()
        guard gavel_inflate_init(&stream, 15 + 32) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(src.count)
        stream.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(out.count)
        while true {
            let status = CCodecs.inflate(&stream, Z_NO_FLUSH)
            if status == Z_STREAM_END {
                // Concatenated gzip members (some writers emit them): go on with the next one.
                guard stream.avail_in > 0, stream.avail_out > 0 else { break }
                guard inflateReset(&stream) == Z_OK else { return nil }
                continue
            }
            guard status == Z_OK else { return nil }
            if stream.avail_in == 0 || stream.avail_out == 0 { break }
        }
        return out.count - Int(stream.avail_out)
    }
}
