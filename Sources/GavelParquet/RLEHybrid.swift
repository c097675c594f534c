/// Parquet's RLE / bit-packing hybrid: levels, dictionary indices and booleans.
enum RLEHybrid {
    /// The bits needed to store values up to `maxValue`.
    static func bitWidth(_ maxValue: Int) -> Int {
        maxValue == 0 ? 0 : Int.bitWidth - maxValue.leadingZeroBitCount
    }

    /// Decodes `count` values of `bitWidth` bits from `bytes`.
    static func decode(_ bytes: UnsafeRawBufferPointer, bitWidth: Int, count: Int) throws(ParquetError) -> [UInt32] {
        guard bitWidth <= 32 else { throw .corrupt("a bit width of \(bitWidth)") }
        var out: [UInt32] = []
        out.reserveCapacity(min(count, bytes.count * 8 + 8))  // a hint only: runs may expand further
        var p = 0
        let byteWidth = (bitWidth + 7) / 8
        let mask: UInt64 = bitWidth == 32 ? 0xFFFF_FFFF : (1 << UInt64(bitWidth)) - 1
        while out.count < count {
            guard p < bytes.count else { throw .corrupt("RLE data ends after \(out.count) of \(count) values") }
            let header = try PackedBits.uleb(bytes, &p, "an RLE run header")
            if header & 1 == 0 {
                let run = Int(clamping: header >> 1)
                guard byteWidth <= bytes.count - p else { throw .corrupt("an RLE run's value runs past the end") }
                var value: UInt32 = 0
                for i in 0..<byteWidth { value |= UInt32(bytes[p + i]) << (8 * UInt32(i)) }
                p += byteWidth
                let n = min(run, count - out.count)
                out.append(contentsOf: repeatElement(value, count: n))
            } else {
                let groups = Int(clamping: header >> 1)
                let values = min(groups.multipliedReportingOverflow(by: 8).overflow ? Int.max : groups * 8, count - out.count)
                // Bit-packed, least significant bit first; a final group may be cut short at the end of the data.
                var bitPosition = p * 8
                let available = bytes.count * 8
                for _ in 0..<values {
                    guard bitPosition + bitWidth <= available else { throw .corrupt("bit-packed values run past the end") }
                    out.append(UInt32(PackedBits.value(bytes, bit: &bitPosition, width: bitWidth) & mask))
                }
                let consumed = groups.multipliedReportingOverflow(by: bitWidth).overflow ? Int.max : groups * bitWidth
                p = min(bytes.count, p + consumed)
            }
        }
        return out
    }

    /// Encodes `values` as RLE runs (runs of one value) and bit-packed groups (mixed stretches).
    static func encode(_ values: [UInt32], bitWidth: Int) -> [UInt8] {
        var out: [UInt8] = []
        let byteWidth = (bitWidth + 7) / 8
        func varint(_ v: Int) {
            var v = UInt64(v)
            while v >= 0x80 {
                out.append(UInt8(v & 0x7F) | 0x80)
                v >>= 7
            }
            out.append(UInt8(v))
        }
        var i = 0
        while i < values.count {
            var run = 1
            while i + run < values.count, values[i + run] == values[i] { run += 1 }
            if run >= 8 || i + run == values.count {
                varint(run << 1)
                for b in 0..<byteWidth { out.append(UInt8(truncatingIfNeeded: values[i] >> (8 * UInt32(b)))) }
                i += run
                continue
            }
            // A mixed stretch: bit-pack groups of 8 until a long run starts (or the values end).
            var end = i
            while end < values.count {
                var r = 1
                while end + r < values.count, values[end + r] == values[end] { r += 1 }
                if r >= 8 { break }
                end += r
            }
            // Whole groups of 8 only: padding inside the data would read back as values.
            let groups = (end - i + 7) / 8
            end = min(values.count, i + groups * 8)
            varint(groups << 1 | 1)
            var accumulator: UInt64 = 0
            var bits = 0
            for k in 0..<(groups * 8) {
                let v = i + k < end ? UInt64(values[i + k]) : 0
                accumulator |= v << UInt64(bits)
                bits += bitWidth
                while bits >= 8 {
                    out.append(UInt8(truncatingIfNeeded: accumulator))
                    accumulator >>= 8
                    bits -= 8
                }
            }
            if bits > 0 { out.append(UInt8(truncatingIfNeeded: accumulator)) }
            i = end
        }
        return out
    }
}
