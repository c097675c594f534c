import CCodecs

/// The compression codecs Gavel reads (and, for ZSTD and none, writes), through the system libraries.
public enum ParquetCodec: Int, Sendable {
    case uncompressed = 0, snappy = 1, gzip = 2, zstd = 6

    /// The codec with Parquet's number `raw`, or why it is not supported.
    static func named(_ raw: Int) throws(ParquetError) -> ParquetCodec {
        if let c = ParquetCodec(rawValue: raw) { return c }
        let names = [3: "LZO", 4: "BROTLI", 5: "LZ4", 7: "LZ4_RAW"]
        throw .unsupported("compression \(names[raw] ?? "number \(raw)")")
    }

    /// Decompresses `input` into exactly `size` bytes.
    func decompress(_ input: ArraySlice<UInt8>, size: Int) throws(ParquetError) -> [UInt8] {
        guard size >= 0, size <= 1 << 31 else { throw .corrupt("a page claims \(size) uncompressed bytes") }
        if self == .uncompressed {
            guard input.count == size else { throw .corrupt("an uncompressed page of \(input.count) bytes claims \(size)") }
            return Array(input)
        }
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
                }
            }
        }
        guard let produced, produced == size else {
            throw .corrupt("a \(self) page does not decompress to the \(size) bytes it claims")
        }
        return output
    }

    /// Compresses `input` (ZSTD or none; the writer uses nothing else).
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
        case .snappy, .gzip: throw .unsupported("writing \(self)")
        }
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
