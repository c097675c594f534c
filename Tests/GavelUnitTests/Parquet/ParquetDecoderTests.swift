import Foundation
import Testing

@testable import GavelParquet

/// The DELTA and BYTE_STREAM_SPLIT decoders and the LZ4 codecs on hand-made bytes: what the spec
/// says they hold, and hostile data refused with a `ParquetError` (never a crash or a huge allocation).
@Suite struct ParquetDecoderTests {
    static func uleb(_ v: UInt64) -> [UInt8] {
        var v = v, out: [UInt8] = []
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        return out + [UInt8(v)]
    }

    static func zigzag(_ v: Int64) -> [UInt8] { uleb(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }

    /// DELTA_BINARY_PACKED of `values` in one block of 128 with 4 miniblocks of 32, every delta
    /// stored at `width` bits (enough for the spread of the deltas).
    static func deltaPacked(_ values: [Int64], width: Int = 8) -> [UInt8] {
        var out = uleb(128) + uleb(4) + uleb(UInt64(values.count)) + zigzag(values.first ?? 0)
        guard values.count > 1 else { return out }
        let deltas = zip(values.dropFirst(), values).map { $0 &- $1 }
        let minDelta = deltas.min() ?? 0
        out += zigzag(minDelta) + [UInt8](repeating: UInt8(width), count: 4)
        // Only the miniblocks that hold values are written (their bit widths all are).
        var bits: [Bool] = []
        for i in 0..<((deltas.count + 31) / 32 * 32) {
            let v = i < deltas.count ? UInt64(bitPattern: deltas[i] &- minDelta) : 0
            for b in 0..<width { bits.append((v >> UInt64(b)) & 1 == 1) }
        }
        var byte: UInt8 = 0
        for (i, bit) in bits.enumerated() {
            if bit { byte |= 1 << UInt8(i % 8) }
            if i % 8 == 7 {
                out.append(byte)
                byte = 0
            }
        }
        return out
    }

    static func ints(_ bytes: [UInt8], count: Int, bits: Int = 64) throws -> [Int64] {
        try bytes.withUnsafeBytes { buf in
            var p = 0
            return try DeltaValues.binaryPacked(buf, from: &p, count: count, bits: bits)
        }
    }

    @Test("DELTA_BINARY_PACKED: a constant step in zero bits, mixed deltas, and wrapping arithmetic as the spec says")
    func binaryPacked() throws {
        // 1..5: first value 1, min delta 1, every miniblock 0 bits wide.
        #expect(
            try Self.ints(Self.uleb(128) + Self.uleb(4) + Self.uleb(5) + Self.zigzag(1) + Self.zigzag(1) + [0, 0, 0, 0], count: 5) == [
                1, 2, 3, 4, 5,
            ])
        let values: [Int64] = [7, -3, 100, 100, 42, -120, 0, 9]
        #expect(try Self.ints(Self.deltaPacked(values, width: 16), count: values.count) == values)
        // Deltas that overflow wrap around (two's complement), they do not trap.
        let wrapping: [Int64] = [Int64.max, Int64.min, Int64.max]
        #expect(try Self.ints(Self.deltaPacked(wrapping, width: 64), count: 3) == wrapping)
    }

    @Test("DELTA_BINARY_PACKED refuses bad headers, bit widths past the column, too few values and truncated miniblocks")
    func binaryPackedHostile() {
        let good = Self.deltaPacked([1, 5, 9, 2])
        func refused(_ bytes: [UInt8], count: Int = 4, bits: Int = 64, _ what: String) {
            #expect(throws: ParquetError.self, "\(what)") { try Self.ints(bytes, count: count, bits: bits) }
        }
        refused(Self.uleb(0) + Self.uleb(4) + Self.uleb(4) + Self.zigzag(1), "a block of 0 values")
        refused(Self.uleb(100) + Self.uleb(4) + Self.uleb(4) + Self.zigzag(1), "a block not a multiple of 128")
        refused(Self.uleb(128) + Self.uleb(3) + Self.uleb(4) + Self.zigzag(1), "miniblocks that do not divide the block")
        refused(Self.uleb(128) + Self.uleb(4) + Self.uleb(2) + Self.zigzag(1), count: 4, "2 values where 4 are needed")
        var wide = good
        wide[wide.count - 32 - 4] = 65  // the first miniblock's bit width (one miniblock of 32 bytes follows)
        refused(wide, "65 bits in a 64-bit column")
        refused(Self.deltaPacked([1, 5, 9, 2], width: 40), bits: 32, "40 bits in an INT32 column")
        refused(Array(good.prefix(good.count - 10)), "a truncated miniblock")
        refused(Array(good.prefix(3)), "a header cut short")
        refused([UInt8](repeating: 0xFF, count: 12), "a varint longer than 64 bits")
    }

    @Test("DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY: the values, and lengths that are negative, too long or past a prefix")
    func byteArrays() throws {
        let words = ["apple", "applesauce", "apply", "", "banana"]
        let page = Self.deltaPacked(words.map { Int64($0.utf8.count) }) + words.flatMap { Array($0.utf8) }
        #expect(try DeltaValues.lengthByteArrays(page, from: 0, count: 5).map(\.text) == words)
        // Prefix lengths 0,5,4,0,0 then the suffixes as DELTA_LENGTH_BYTE_ARRAY.
        let prefixes: [Int64] = [0, 5, 4, 0, 0]
        let suffixes = ["apple", "sauce", "y", "", "banana"]
        let delta =
            Self.deltaPacked(prefixes) + Self.deltaPacked(suffixes.map { Int64($0.utf8.count) }) + suffixes.flatMap { Array($0.utf8) }
        #expect(try DeltaValues.byteArrays(delta, from: 0, count: 5, width: 0).map(\.text) == words)

        #expect(throws: ParquetError.self, "a negative length") {
            try DeltaValues.lengthByteArrays(Self.deltaPacked([3, -2]) + [1, 2, 3], from: 0, count: 2)
        }
        #expect(throws: ParquetError.self, "lengths past the page") {
            try DeltaValues.lengthByteArrays(Self.deltaPacked([3, 500]) + [1, 2, 3], from: 0, count: 2)
        }
        let badPrefix = Self.deltaPacked([0, 9]) + Self.deltaPacked([2, 1]) + Array("abc".utf8)
        #expect(throws: ParquetError.self, "a prefix longer than the value before") {
            try DeltaValues.byteArrays(badPrefix, from: 0, count: 2, width: 0)
        }
        #expect(throws: ParquetError.self, "a fixed-length value of the wrong length") {
            try DeltaValues.byteArrays(delta, from: 0, count: 5, width: 5)
        }
    }

    @Test("BYTE_STREAM_SPLIT: floats, doubles and integers put back together; a count the page cannot hold is refused")
    func byteStreamSplit() throws {
        let doubles = [1.5, -0.25, 1e300]
        var streams = [UInt8](repeating: 0, count: 24)
        for (j, d) in doubles.enumerated() {
            withUnsafeBytes(of: d.bitPattern.littleEndian) { b in for i in 0..<8 { streams[i * 3 + j] = b[i] } }
        }
        #expect(try DeltaValues.byteStreamSplit(streams, from: 0, count: 3, type: .double, typeLength: 0) == doubles.map { .double($0) })
        let int32 = try DeltaValues.byteStreamSplit([1, 2, 0, 0, 0, 0, 0, 0x80], from: 0, count: 2, type: .int32, typeLength: 0)
        #expect(int32 == [.int32(1), .int32(Int32(bitPattern: 0x8000_0002))])
        #expect(throws: ParquetError.self) { try DeltaValues.byteStreamSplit(streams, from: 0, count: 4, type: .double, typeLength: 0) }
        #expect(throws: ParquetError.self) {
            try DeltaValues.byteStreamSplit(streams, from: 0, count: Int.max / 2, type: .double, typeLength: 0)
        }
        #expect(throws: ParquetError.self) { try DeltaValues.byteStreamSplit(streams, from: 0, count: 1, type: .byteArray, typeLength: 0) }
    }

    /// A raw LZ4 block holding `data` as literals only (a valid block any LZ4 decoder reads).
    static func literalBlock(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [UInt8(min(data.count, 15) << 4)]
        if data.count >= 15 {
            var rest = data.count - 15
            while rest >= 255 {
                out.append(255)
                rest -= 255
            }
            out.append(UInt8(rest))
        }
        return out + data
    }

    static func be32(_ n: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(n).bigEndian) { Array($0) } }

    @Test("LZ4_RAW and the deprecated Hadoop-framed LZ4 (and a bare block under LZ4); corrupt data and sizes refused")
    func lz4() throws {
        let a = Array("the quick brown fox jumps over the lazy dog, ".utf8), b = Array(repeating: UInt8(ascii: "z"), count: 300)
        #expect(try ParquetCodec.lz4Raw.decompress(ArraySlice(Self.literalBlock(a)), size: a.count) == a)
        let framed =
            Self.be32(a.count) + Self.be32(Self.literalBlock(a).count) + Self.literalBlock(a) + Self.be32(b.count)
            + Self.be32(Self.literalBlock(b).count) + Self.literalBlock(b)
        #expect(try ParquetCodec.lz4.decompress(ArraySlice(framed), size: a.count + b.count) == a + b)
        #expect(try ParquetCodec.lz4.decompress(ArraySlice(Self.literalBlock(b)), size: b.count) == b, "a bare block under LZ4")
        #expect(throws: ParquetError.self, "a page claiming more than the data can hold") {
            try ParquetCodec.lz4Raw.decompress(ArraySlice(Self.literalBlock(a)), size: a.count + 1)
        }
        var broken = Self.literalBlock(a)
        broken[1] = 200  // literals past the end of the block
        #expect(throws: ParquetError.self) { try ParquetCodec.lz4Raw.decompress(ArraySlice(broken), size: a.count) }
        #expect(throws: ParquetError.self, "a ratio no LZ4 block reaches") {
            try ParquetCodec.lz4Raw.decompress(ArraySlice(Self.literalBlock(a)), size: 400 << 20)
        }
        #expect(throws: ParquetError.self) { try ParquetCodec.brotli.decompress([1, 2, 3, 4], size: 100) }
        #expect(throws: ParquetError.self) { try ParquetCodec.named(3) }
    }
}
