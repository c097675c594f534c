/// The bit-level pieces Parquet's encodings share: ULEB128 varints (RLE run headers, DELTA headers,
/// Thrift), zigzag signs, and values packed least significant bit first (bit-packed runs, DELTA
/// miniblocks). Callers check that the bits they read are there.
enum PackedBits {
    /// The ULEB128 varint at `p` in `bytes` (`p` moves past it); `what` names it in errors.
    static func uleb(_ bytes: UnsafeRawBufferPointer, _ p: inout Int, _ what: String) throws(ParquetError) -> UInt64 {
        var value: UInt64 = 0, shift: UInt64 = 0
        while true {
            guard p < bytes.count else { throw .corrupt("\(what) ends in the middle of a number") }
            let b = bytes[p]
            p += 1
            guard shift < 64 else { throw .corrupt("\(what) has a number longer than 64 bits") }
            value |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return value }
            shift += 7
        }
    }

    /// A zigzag-encoded value as the signed number it stands for.
    static func unzigzag(_ u: UInt64) -> Int64 { Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1))) }

    /// The `width`-bit value (≤ 64) starting at bit `bit` of `bytes`, least significant bit first;
    /// `bit` moves past it. The caller has checked that `bit + width` bits exist.
    @inline(__always)
    static func value(_ bytes: UnsafeRawBufferPointer, bit: inout Int, width: Int) -> UInt64 {
        var v: UInt64 = 0, got = 0
        while got < width {
            let offset = bit & 7, take = min(8 - offset, width - got)
            v |= ((UInt64(bytes[bit >> 3]) >> UInt64(offset)) & ((1 << UInt64(take)) - 1)) << UInt64(got)
            got += take
            bit += take
        }
        return v
    }
}
