/// Reads and writes Thrift's compact protocol, the encoding of Parquet's footer and page headers.
///
/// Hand-written: no package in the mirror reads Thrift, and Parquet needs only structs of
/// integers, strings, lists and nested structs. Every length is checked against the bytes that
/// remain, and nesting is bounded, so a corrupt footer is an error, never a crash or a huge
/// allocation.
struct ThriftCompactReader {
    private let bytes: [UInt8]
    private(set) var position: Int
    private let end: Int
    private static let maxDepth = 64

    init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.position = start
        self.end = min(end ?? bytes.count, bytes.count)
    }

    /// Reads one struct.
    mutating func readStruct() throws(ParquetError) -> ThriftStruct {
        try readStruct(depth: 0)
    }

    private mutating func readStruct(depth: Int) throws(ParquetError) -> ThriftStruct {
        guard depth < Self.maxDepth else { throw .corrupt("Thrift structs nested too deeply") }
        var result = ThriftStruct()
        var lastID: Int16 = 0
        while true {
            let header = try byte()
            if header == 0 { return result }
            let type = header & 0x0F
            let delta = Int16(header >> 4)
            let id: Int16
            if delta == 0 {
                let raw = try zigzag()
                guard let i = Int16(exactly: raw) else { throw .corrupt("a Thrift field id out of range") }
                id = i
            } else {
                id = lastID &+ delta
            }
            lastID = id
            let value: ThriftValue
            switch type {
            case 1: value = .bool(true)
            case 2: value = .bool(false)
            default: value = try readValue(type: type, depth: depth + 1)
            }
            result[id] = value
        }
    }

    private mutating func readValue(type: UInt8, depth: Int) throws(ParquetError) -> ThriftValue {
        switch type {
        case 1, 2: return .bool(try byte() == 1)  // inside a container, a bool is one byte
        case 3: return .int(Int64(Int8(bitPattern: try byte())), type: 3)
        case 4, 5, 6: return .int(try zigzag(), type: type)
        case 7:
            guard end - position >= 8 else { throw .corrupt("a Thrift double runs past the end") }
            var bits: UInt64 = 0
            for i in 0..<8 { bits |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
            position += 8
            return .double(Double(bitPattern: bits))
        case 8:
            let n = try length()
            let value = Array(bytes[position..<position + n])
            position += n
            return .binary(value)
        case 9, 10:
            guard depth < Self.maxDepth else { throw .corrupt("Thrift lists nested too deeply") }
            let header = try byte()
            var count = Int(header >> 4)
            let elementType = header & 0x0F
            if count == 15 { count = try length(bytesPerItem: 1) }
            guard count <= end - position else { throw .corrupt("a Thrift list longer than the bytes that remain") }
            var items: [ThriftValue] = []
            items.reserveCapacity(count)
            for _ in 0..<count { items.append(try readValue(type: elementType, depth: depth + 1)) }
            return .list(elementType: elementType, items)
        case 11:
            guard depth < Self.maxDepth else { throw .corrupt("Thrift maps nested too deeply") }
            let count = try length(bytesPerItem: 2)
            guard count > 0 else { return .map(keyType: 0, valueType: 0, []) }
            let types = try byte()
            var pairs: [(ThriftValue, ThriftValue)] = []
            for _ in 0..<count {
                let k = try readValue(type: types >> 4, depth: depth + 1)
                let v = try readValue(type: types & 0x0F, depth: depth + 1)
                pairs.append((k, v))
            }
            return .map(keyType: types >> 4, valueType: types & 0x0F, pairs)
        case 12: return .structure(try readStruct(depth: depth + 1))
        default: throw .corrupt("an unknown Thrift type \(type)")
        }
    }

    private mutating func byte() throws(ParquetError) -> UInt8 {
        guard position < end else { throw .corrupt("Thrift data ends early") }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func varint() throws(ParquetError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw .corrupt("a Thrift varint longer than 64 bits") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    private mutating func zigzag() throws(ParquetError) -> Int64 { PackedBits.unzigzag(try varint()) }

    /// A length that must fit in what remains (at `bytesPerItem` bytes at least per item).
    private mutating func length(bytesPerItem: Int = 1) throws(ParquetError) -> Int {
        let v = try varint()
        guard v <= UInt64(end - position) / UInt64(bytesPerItem) else {
            throw .corrupt("a Thrift length (\(v)) past the end of the data")
        }
        return Int(v)
    }
}

/// Writes Thrift's compact protocol.
struct ThriftCompactWriter {
    private(set) var bytes: [UInt8] = []

    mutating func write(_ s: ThriftStruct) {
        var lastID: Int16 = 0
        for (id, value) in s.sortedFields {
            let type: UInt8
            if case .bool(let b) = value { type = b ? 1 : 2 } else { type = value.typeID }
            let delta = Int(id) - Int(lastID)
            if delta > 0 && delta <= 15 {
                bytes.append(UInt8(delta) << 4 | type)
            } else {
                bytes.append(type)
                writeZigzag(Int64(id))
            }
            lastID = id
            if case .bool = value { continue }
            writeValue(value)
        }
        bytes.append(0)
    }

    private mutating func writeValue(_ value: ThriftValue) {
        switch value {
        case .bool(let b): bytes.append(b ? 1 : 2)
        case .int(let v, let t):
            if t == 3 { bytes.append(UInt8(truncatingIfNeeded: v)) } else { writeZigzag(v) }
        case .double(let d):
            let bits = d.bitPattern
            for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i)))) }
        case .binary(let b):
            writeVarint(UInt64(b.count))
            bytes.append(contentsOf: b)
        case .list(let elementType, let items):
            if items.count < 15 {
                bytes.append(UInt8(items.count) << 4 | elementType)
            } else {
                bytes.append(0xF0 | elementType)
                writeVarint(UInt64(items.count))
            }
            for item in items { writeValue(item) }
        case .map(let k, let v, let pairs):
            writeVarint(UInt64(pairs.count))
            if pairs.isEmpty { return }
            bytes.append(k << 4 | v)
            for (a, b) in pairs {
                writeValue(a)
                writeValue(b)
            }
        case .structure(let s): write(s)
        }
    }

    private mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    private mutating func writeZigzag(_ v: Int64) {
        writeVarint(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
    }
}
