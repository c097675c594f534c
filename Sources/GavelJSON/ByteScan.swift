/// Word-at-a-time (SWAR) scans for the bytes that end a plain run inside a JSON string.
///
/// Strings are most of a trajectory's bytes; testing eight bytes per step instead of one
/// makes parsing and escaping them several times faster.
public enum ByteScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Bytes of `w` that are zero get their high bit set (exact for every byte).
    @inline(__always) private static func zeroBytes(_ w: UInt64) -> UInt64 {
        ((w & ~highs) &+ ~highs | w) & highs ^ highs
    }

    @inline(__always) private static func equalBytes(_ w: UInt64, _ c: UInt8) -> UInt64 {
        zeroBytes(w ^ (ones &* UInt64(c)))
    }

    /// Bytes below 0x20 get their high bit set (exact: bytes ≥ 0x80 are excluded).
    @inline(__always) private static func controlBytes(_ w: UInt64) -> UInt64 {
        // A byte is < 0x20 iff its top three bits are zero.
        zeroBytes(w & (ones &* 0xE0))
    }

    /// Index of the first `"`, `\` or control byte at or after `from`, or `end`.
    @inline(__always)
    public static func stringEnd(_ p: UnsafePointer<UInt8>, from: Int, end: Int) -> Int {
        var i = from
        let raw = UnsafeRawPointer(p)
        while i + 8 <= end {
            let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let hit = equalBytes(w, 0x22) | equalBytes(w, 0x5C) | controlBytes(w)
            if hit != 0 { return i + hit.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < end {
            let b = p[i]
            if b == 0x22 || b == 0x5C || b < 0x20 { return i }
            i += 1
        }
        return end
    }

    /// Index of the first byte that JSONWriter escapes (`"`, `\`, control, `<`, `>`, `&`) at or after `from`, or `end`.
    @inline(__always)
    public static func escapeNeeded(_ p: UnsafePointer<UInt8>, from: Int, end: Int) -> Int {
        var i = from
        let raw = UnsafeRawPointer(p)
        while i + 8 <= end {
            let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let hit =
                equalBytes(w, 0x22) | equalBytes(w, 0x5C) | controlBytes(w)
                | equalBytes(w, 0x3C) | equalBytes(w, 0x3E) | equalBytes(w, 0x26)
            if hit != 0 { return i + hit.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < end {
            let b = p[i]
            if b == 0x22 || b == 0x5C || b < 0x20 || b == 0x3C || b == 0x3E || b == 0x26 { return i }
            i += 1
        }
        return end
    }

    /// Index of the first byte at or after `from` that does not start or continue a valid UTF-8
    /// sequence (overlong forms, surrogates and values above U+10FFFF are invalid), or nil.
    /// ASCII runs are skipped eight bytes at a time.
    public static func firstInvalidUTF8(_ p: UnsafePointer<UInt8>, from: Int = 0, end: Int) -> Int? {
        var i = from
        let raw = UnsafeRawPointer(p)
        while i < end {
            if i + 8 <= end, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & highs == 0 {
                i += 8
                continue
            }
            let b = p[i]
            if b < 0x80 { i += 1; continue }
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF  // range of the second byte
            switch b {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return i
            }
            guard i + length <= end, p[i + 1] >= low, p[i + 1] <= high else { return i }
            for k in 2..<length where p[i + k] & 0xC0 != 0x80 { return i }
            i += length
        }
        return nil
    }
}
