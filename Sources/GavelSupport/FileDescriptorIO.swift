import Foundation

/// Blocking, EINTR-safe reads and writes on file descriptors: whole buffers, exact reads,
/// positioned reads, and the pool's length-prefixed frames. Called from dedicated threads,
/// worker processes and Dispatch-offloaded work, not from the cooperative pool directly.
public enum FileDescriptorIO {
    /// Largest frame accepted (a sanity bound against garbage lengths).
    public static let maxFrame = 1 << 30

    /// Writes all of `bytes`; false if the other end is gone.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, base + done, bytes.count - done)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return false }
            done += n
        }
        return true
    }

    /// Creates and opens a new file from a `mkstemp` template ending in `XXXXXX`; returns its descriptor and path.
    public static func makeTemporary(_ template: String) -> (fd: Int32, path: String)? {
        var chars = Array(template.utf8CString)
        let fd = chars.withUnsafeMutableBufferPointer { buf in buf.baseAddress.map { mkstemp($0) } ?? -1 }
        guard fd >= 0 else { return nil }
        return (fd, String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// Writes all of `bytes`; false if the other end is gone or the write fails.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }

    /// Reads exactly `length` bytes at `offset` (pread); nil on a short read or an error.
    public static func pread(_ fd: Int32, offset: Int, length: Int) -> [UInt8]? {
        var complete = false
        let out = [UInt8](unsafeUninitializedCapacity: length) { buf, initialized in
            complete =
                length == 0 || buf.baseAddress.map { pread(fd, into: UnsafeMutableRawPointer($0), offset: offset, length: length) } == true
            initialized = complete ? length : 0
        }
        return complete ? out : nil
    }

    /// Reads exactly `length` bytes at `offset` into `memory` (pread); false on a short read or an error.
    public static func pread(_ fd: Int32, into memory: UnsafeMutableRawPointer, offset: Int, length: Int) -> Bool {
        var done = 0
        while done < length {
            let n = Glibc.pread(fd, memory + done, length - done, off_t(offset + done))
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return false }
            done += n
        }
        return true
    }

    /// Reads exactly `count` bytes; nil at end of file or on error.
    public static func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var complete = false
        // Uninitialised capacity: the bytes are read straight in, without zero-filling first.
        let out = [UInt8](unsafeUninitializedCapacity: count) { buf, initialized in
            var done = 0
            while done < count {
                guard let base = buf.baseAddress else { break }
                let n = Glibc.read(fd, base + done, count - done)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                done += n
            }
            complete = done == count
            initialized = done
        }
        return complete ? out : nil
    }

    /// Writes one frame: a 4-byte little-endian length, then the payload.
    public static func writeFrame(_ fd: Int32, _ payload: [UInt8]) -> Bool {
        var length = UInt32(payload.count).littleEndian
        let headerOK = withUnsafeBytes(of: &length) { writeAll(fd, $0) }
        return headerOK && payload.withUnsafeBytes { writeAll(fd, $0) }
    }

    /// Reads one frame; nil at end of file, on a short read or an absurd length.
    public static func readFrame(_ fd: Int32) -> [UInt8]? {
        guard let header = readExactly(fd, 4) else { return nil }
        let length = Int(UInt32(header[0]) | UInt32(header[1]) << 8 | UInt32(header[2]) << 16 | UInt32(header[3]) << 24)
        guard length <= maxFrame else { return nil }
        return readExactly(fd, length)
    }
}
