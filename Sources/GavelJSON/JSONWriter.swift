/// Encodes `JSONValue`s compactly and deterministically into UTF-8 bytes.
///
/// `<`, `>` and `&` inside strings are always written as `\u003c`, `\u003e` and `\u0026`,
/// so no string can close or forge a tag in a prompt built around the JSON.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []

    public init(reservingCapacity capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    /// A writer that takes over `buffer`'s memory, emptied (a worker reuses one buffer for every reply).
    public init(adopting buffer: [UInt8]) {
        bytes = buffer
        bytes.removeAll(keepingCapacity: true)
    }

    /// Hands the written bytes over, leaving the writer empty.
    public mutating func take() -> [UInt8] {
        var out: [UInt8] = []
        swap(&out, &bytes)
        return out
    }

    /// Encodes one value to bytes.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var w = JSONWriter()
        w.write(value)
        return w.bytes
    }

    /// Encodes one value to a string.
    public static func string(_ value: JSONValue) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }

    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: append("null")
        case .bool(let b): append(b ? "true" : "false")
        case .number(let n): bytes.append(contentsOf: n.utf8)
        case .string(let s): write(string: s)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (i, e) in elements.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                write(e)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            write(object)
        }
    }

    public mutating func write(_ object: JSONObject) {
        bytes.append(UInt8(ascii: "{"))
        for (i, m) in object.members.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            write(string: m.key)
            bytes.append(UInt8(ascii: ":"))
            write(m.value)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// Appends raw bytes, unchanged.
    public mutating func append(raw: some Sequence<UInt8>) { bytes.append(contentsOf: raw) }

    /// Empties the writer, keeping its memory for what comes next.
    public mutating func reset() { bytes.removeAll(keepingCapacity: true) }

    /// Drops everything written after the first `count` bytes.
    public mutating func truncate(to count: Int) { bytes.removeSubrange(min(count, bytes.count)...) }

    private mutating func append(_ s: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    public mutating func write(string s: String) {
        var s = s
        s.withUTF8 { write(utf8: $0) }
    }

    /// Writes a JSON string from UTF-8 bytes the caller has checked are valid UTF-8.
    public mutating func write(utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        if let base = utf8.baseAddress {
            var i = 0
            while i < utf8.count {
                // Copy the plain run up to the next byte that needs escaping, eight bytes per test.
                let next = ByteScan.escapeNeeded(base, from: i, end: utf8.count)
                if next > i { bytes.append(contentsOf: UnsafeBufferPointer(start: base + i, count: next - i)) }
                guard next < utf8.count else { break }
                let b = utf8[next]
                bytes.append(0x5C)
                switch b {
                case 0x22: bytes.append(0x22)
                case 0x5C: bytes.append(0x5C)
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                default:
                    bytes.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30, Self.hex[Int(b >> 4)], Self.hex[Int(b & 0xF)]])
                }
                i = next + 1
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
