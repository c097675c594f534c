/// Parquet's DELTA and BYTE_STREAM_SPLIT encodings (what pyarrow writes on request, DuckDB writes
/// for `PARQUET_VERSION V2`, and Spark writes for v2 pages): every size is checked against the
/// page before anything is allocated or read.
enum DeltaValues {
    private static func uleb(_ bytes: UnsafeRawBufferPointer, _ p: inout Int) throws(ParquetError) -> UInt64 {
        try PackedBits.uleb(bytes, &p, "a DELTA header")
    }

    private static func zigzag(_ bytes: UnsafeRawBufferPointer, _ p: inout Int) throws(ParquetError) -> Int64 {
        PackedBits.unzigzag(try uleb(bytes, &p))
    }

    /// DELTA_BINARY_PACKED: `count` integers from `p`, which ends past the encoded data. Arithmetic
    /// wraps, as the spec says (an INT32 column's values are truncated by the caller).
    static func binaryPacked(
        _ bytes: UnsafeRawBufferPointer, from p: inout Int, count: Int, bits: Int
    ) throws(ParquetError) -> [Int64] {
        let blockSize = try uleb(bytes, &p), miniblocks = try uleb(bytes, &p), total = try uleb(bytes, &p)
        var last = try zigzag(bytes, &p)
        guard blockSize > 0, blockSize % 128 == 0, blockSize <= 1 << 20, miniblocks > 0, blockSize % miniblocks == 0,
            (blockSize / miniblocks) % 32 == 0
        else { throw .corrupt("a DELTA_BINARY_PACKED block of \(blockSize) values in \(miniblocks) miniblocks") }
        guard total >= UInt64(count) else { throw .corrupt("DELTA_BINARY_PACKED data holds \(total) values where \(count) are needed") }
        let perMiniblock = Int(blockSize / miniblocks), widths = Int(miniblocks)
        var out: [Int64] = []
        out.reserveCapacity(min(count, bytes.count * 8 + 1))
        if count > 0 { out.append(last) }
        while out.count < count {
            let minDelta = try zigzag(bytes, &p)
            guard widths <= bytes.count - p else { throw .corrupt("DELTA_BINARY_PACKED bit widths run past the end of the page") }
            let widthsAt = p
            p += widths
            for m in 0..<widths where out.count < count {
                let width = Int(bytes[widthsAt + m])
                guard width <= bits else { throw .corrupt("a DELTA_BINARY_PACKED bit width of \(width) in a \(bits)-bit column") }
                let size = perMiniblock * width / 8
                guard size <= bytes.count - p else { throw .corrupt("a DELTA_BINARY_PACKED miniblock runs past the end of the page") }
                var bit = p * 8
                for _ in 0..<min(perMiniblock, count - out.count) {
                    last = last &+ minDelta &+ Int64(bitPattern: PackedBits.value(bytes, bit: &bit, width: width))
                    out.append(last)
                }
                p += size
            }
        }
        return out
    }

    /// Lengths from a DELTA_BINARY_PACKED run, each checked to be a byte count that fits what is left.
    private static func lengths(_ bytes: UnsafeRawBufferPointer, from p: inout Int, count: Int, what: String) throws(ParquetError) -> [Int]
    {
        let raw = try binaryPacked(bytes, from: &p, count: count, bits: 32)
        var sum = 0
        var out: [Int] = []
        out.reserveCapacity(raw.count)
        for n in raw {
            guard n >= 0, n <= Int64(bytes.count) else { throw .corrupt("a \(what) of \(n)") }
            sum += Int(n)
            out.append(Int(n))
        }
        guard sum <= bytes.count else { throw .corrupt("\(what)s add up to more than the page holds") }
        return out
    }

    /// DELTA_LENGTH_BYTE_ARRAY: `count` byte arrays (sharing the page's memory) from `start`.
    static func lengthByteArrays(_ page: [UInt8], from start: Int, count: Int) throws(ParquetError) -> [ParquetValue] {
        try page.withBytes { all throws(ParquetError) in
            let bytes = UnsafeRawBufferPointer(rebasing: all[start...])
            var p = 0
            let sizes = try lengths(bytes, from: &p, count: count, what: "byte array length")
            var out: [ParquetValue] = []
            out.reserveCapacity(count)
            for n in sizes {
                guard n <= bytes.count - p else { throw .corrupt("a byte array of \(n) bytes runs past the end of its page") }
                out.append(.bytes(page[(start + p)..<(start + p + n)]))
                p += n
            }
            return out
        }
    }

    /// DELTA_BYTE_ARRAY: `count` byte arrays, each a prefix of the one before plus its own suffix
    /// (`width` > 0: each must be that long, for a fixed-length column).
    static func byteArrays(_ page: [UInt8], from start: Int, count: Int, width: Int) throws(ParquetError) -> [ParquetValue] {
        try page.withBytes { all throws(ParquetError) in
            let bytes = UnsafeRawBufferPointer(rebasing: all[start...])
            var p = 0
            let prefixes = try lengths(bytes, from: &p, count: count, what: "DELTA_BYTE_ARRAY prefix length")
            let suffixes = try lengths(bytes, from: &p, count: count, what: "DELTA_BYTE_ARRAY suffix length")
            var out: [ParquetValue] = []
            out.reserveCapacity(count)
            var previous: ArraySlice<UInt8> = []
            for i in 0..<count {
                let prefix = prefixes[i], suffix = suffixes[i]
                guard prefix <= previous.count else {
                    throw .corrupt("a DELTA_BYTE_ARRAY prefix of \(prefix) bytes after a value of \(previous.count)")
                }
                guard suffix <= bytes.count - p else { throw .corrupt("a DELTA_BYTE_ARRAY suffix runs past the end of its page") }
                guard width == 0 || prefix + suffix == width else {
                    throw .corrupt("a fixed-length value of \(prefix + suffix) bytes in a column of \(width)")
                }
                var value = [UInt8]()
                value.reserveCapacity(prefix + suffix)
                value.append(contentsOf: previous.prefix(prefix))
                value.append(contentsOf: page[(start + p)..<(start + p + suffix)])
                p += suffix
                previous = ArraySlice(value)
                out.append(.bytes(previous))
            }
            return out
        }
    }

    /// BYTE_STREAM_SPLIT: `count` values of `width` bytes, stored as `width` streams (the first
    /// bytes of every value, then the second bytes, ...).
    static func byteStreamSplit(
        _ page: [UInt8], from start: Int, count: Int, type: ParquetSchema.PhysicalType, typeLength: Int
    ) throws(ParquetError) -> [ParquetValue] {
        let width: Int
        switch type {
        case .int32, .float: width = 4
        case .int64, .double: width = 8
        case .fixedLenByteArray: width = typeLength
        default: throw .unsupported("BYTE_STREAM_SPLIT for \(type) values")
        }
        guard width > 0 else { throw .corrupt("a fixed-length byte array of length \(width)") }
        let (needed, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow, needed <= page.count - start else {
            throw .corrupt("\(count) BYTE_STREAM_SPLIT values need more bytes than the page holds")
        }
        var out: [ParquetValue] = []
        out.reserveCapacity(count)
        var value = [UInt8](repeating: 0, count: width)
        for j in 0..<count {
            for i in 0..<width { value[i] = page[start + i * count + j] }
            func word<W: FixedWidthInteger>(_: W.Type) -> W { value.withUnsafeBytes { W(littleEndian: $0.loadUnaligned(as: W.self)) } }
            switch type {
            case .int32: out.append(.int32(Int32(bitPattern: word(UInt32.self))))
            case .float: out.append(.float(Float(bitPattern: word(UInt32.self))))
            case .int64: out.append(.int64(Int64(bitPattern: word(UInt64.self))))
            case .double: out.append(.double(Double(bitPattern: word(UInt64.self))))
            default: out.append(.bytes(ArraySlice(value)))
            }
        }
        return out
    }
}
