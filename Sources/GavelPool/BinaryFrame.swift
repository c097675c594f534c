/// A little-endian binary encoder for pool frames: numbers as raw bits, bytes and strings length-prefixed.
public struct FrameWriter {
    public private(set) var bytes: [UInt8] = []

    public init(reservingCapacity n: Int = 4096) { bytes.reserveCapacity(n) }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func i64(_ v: Int) { withUnsafeBytes(of: Int64(v).littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func f64(_ v: Double) { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    public mutating func raw(_ v: [UInt8]) {
        u32(UInt32(v.count))
        bytes.append(contentsOf: v)
    }
    public mutating func string(_ s: String) {
        u32(UInt32(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }
    public mutating func f64s(_ v: [Double]) {
        u32(UInt32(v.count))
        #if _endian(little)
            // The in-memory layout already is the wire layout: copy the whole array at once.
            v.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
            for d in v { f64(d) }
        #endif
    }
}

/// Decodes what `FrameWriter` wrote; every read is bounds-checked.
public struct FrameReader {
    private let bytes: [UInt8]
    private var index = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public struct Truncated: Error, CustomStringConvertible {
        public var description: String { "truncated pool frame" }
        public init() {}
    }

    public var atEnd: Bool { index == bytes.count }
    /// Bytes not read yet: a bound on how many items a length prefix can honestly announce.
    public var remaining: Int { bytes.count - index }

    private mutating func take(_ n: Int) throws(Truncated) -> ArraySlice<UInt8> {
        guard n >= 0, index + n <= bytes.count else { throw Truncated() }
        defer { index += n }
        return bytes[index..<(index + n)]
    }

    private mutating func integer<T: FixedWidthInteger>(_: T.Type) throws(Truncated) -> T {
        let size = MemoryLayout<T>.size
        guard index + size <= bytes.count else { throw Truncated() }
        defer { index += size }
        // One unaligned load of the little-endian bits, not a byte-by-byte loop.
        return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: index, as: T.self)) }
    }

    public mutating func u8() throws(Truncated) -> UInt8 { try take(1).first ?? 0 }
    public mutating func u32() throws(Truncated) -> UInt32 { try integer(UInt32.self) }
    public mutating func i64() throws(Truncated) -> Int { Int(try integer(Int64.self)) }
    public mutating func f64() throws(Truncated) -> Double { Double(bitPattern: try integer(UInt64.self)) }
    public mutating func bool() throws(Truncated) -> Bool { try u8() != 0 }
    public mutating func raw() throws(Truncated) -> [UInt8] { Array(try take(Int(try u32()))) }
    public mutating func string() throws(Truncated) -> String { String(decoding: try take(Int(try u32())), as: UTF8.self) }
    public mutating func f64s() throws(Truncated) -> [Double] {
        let n = Int(try u32())
        guard n <= (bytes.count - index) / 8 else { throw Truncated() }
        #if _endian(little)
            let start = index
            index += n * 8
            return [Double](unsafeUninitializedCapacity: n) { buf, initialized in
                bytes.withUnsafeBytes { src in
                    if let dst = buf.baseAddress, n > 0, let base = src.baseAddress {
                        UnsafeMutableRawPointer(dst).copyMemory(from: base + start, byteCount: n * 8)
                    }
                }
                initialized = n
            }
        #else
            var out: [Double] = []
            out.reserveCapacity(n)
            for _ in 0..<n { out.append(try f64()) }
            return out
        #endif
    }
}
