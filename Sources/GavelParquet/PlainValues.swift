/// Parquet's PLAIN encoding of each physical type.
enum PlainValues {
    /// Decodes `count` values of `type` from `page` at `start`; byte arrays share the page's memory.
    static func decode(
        _ page: [UInt8], from start: Int, type: ParquetSchema.PhysicalType, typeLength: Int, count: Int
    ) throws(ParquetError) -> [ParquetValue] {
        try page.withBytes { all throws(ParquetError) in
            try decode(
                UnsafeRawBufferPointer(rebasing: all[start...]), page: page, start: start, type: type, typeLength: typeLength, count: count)
        }
    }

    private static func decode(
        _ bytes: UnsafeRawBufferPointer, page: [UInt8], start: Int, type: ParquetSchema.PhysicalType, typeLength: Int, count: Int
    ) throws(ParquetError) -> [ParquetValue] {
        var out: [ParquetValue] = []
        out.reserveCapacity(min(count, bytes.count * 8 + 1))
        func need(_ n: Int, _ what: String) throws(ParquetError) {
            guard n <= bytes.count else { throw .corrupt("\(count) \(what) values need more bytes than the page holds") }
        }
        /// Fixed-width little-endian values, each made into a value by `make`.
        func words<W: FixedWidthInteger>(_: W.Type, _ what: String, _ make: (W) -> ParquetValue) throws(ParquetError) {
            let width = MemoryLayout<W>.size
            try need(count * width, what)
            for i in 0..<count { out.append(make(W(littleEndian: bytes.loadUnaligned(fromByteOffset: i * width, as: W.self)))) }
        }
        switch type {
        case .boolean:
            try need((count + 7) / 8, "boolean")
            for i in 0..<count { out.append(.bool(bytes[i >> 3] >> UInt8(i & 7) & 1 == 1)) }
        case .int32: try words(UInt32.self, "INT32") { .int32(Int32(bitPattern: $0)) }
        case .int64: try words(UInt64.self, "INT64") { .int64(Int64(bitPattern: $0)) }
        case .float: try words(UInt32.self, "FLOAT") { .float(Float(bitPattern: $0)) }
        case .double: try words(UInt64.self, "DOUBLE") { .double(Double(bitPattern: $0)) }
        case .int96, .fixedLenByteArray:
            let width = type == .int96 ? 12 : typeLength
            guard width > 0 else { throw .corrupt("a fixed-length byte array of length \(width)") }
            try need(count * width, "fixed-length")
            for i in 0..<count { out.append(.bytes(page[(start + i * width)..<(start + i * width + width)])) }
        case .byteArray:
            var p = 0
            for _ in 0..<count {
                guard bytes.count - p >= 4 else { throw .corrupt("a byte array's length runs past the end of its page") }
                let n = Int(bytes.loadUnaligned(fromByteOffset: p, as: UInt32.self).littleEndian)
                p += 4
                guard n <= bytes.count - p else { throw .corrupt("a byte array of \(n) bytes runs past the end of its page") }
                out.append(.bytes(page[(start + p)..<(start + p + n)]))
                p += n
            }
        }
        return out
    }

    /// Appends `value` PLAIN-encoded (booleans are packed by the caller).
    static func append(_ value: ParquetValue, type: ParquetSchema.PhysicalType, typeLength: Int, to out: inout [UInt8]) throws(ParquetError)
    {
        func le<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        switch (type, value) {
        case (.int32, .int32(let v)): le(v)
        case (.int64, .int64(let v)): le(v)
        case (.float, .float(let v)): le(v.bitPattern)
        case (.double, .double(let v)): le(v.bitPattern)
        case (.byteArray, .bytes(let b)):
            guard let n = UInt32(exactly: b.count) else { throw .invalidValue("a byte array over 4 GiB") }
            le(n)
            out.append(contentsOf: b)
        case (.int96, .bytes(let b)) where b.count == 12: out.append(contentsOf: b)
        case (.fixedLenByteArray, .bytes(let b)) where b.count == typeLength: out.append(contentsOf: b)
        default: throw .invalidValue("a \(value.kind) value in a \(type) column")
        }
    }
}

extension ParquetValue {
    /// A word for messages.
    var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int32: return "INT32"
        case .int64: return "INT64"
        case .float: return "FLOAT"
        case .double: return "DOUBLE"
        case .bytes: return "byte array"
        case .list: return "list"
        case .record: return "record"
        }
    }
}
