import Foundation
import GavelCore

/// Streams the lines of a file with their byte offsets and 1-based line numbers, in bounded memory.
///
/// Reads in large chunks; a line longer than `maxLineBytes` is reported, not buffered without end.
/// A UTF-8 byte order mark at the start of the file (as Windows tools and some Python code write)
/// is not part of the first line.
/// Not `Sendable`: one reader belongs to one task.
public final class LineReader {
    /// One line of the file, without its terminating newline (and without a trailing `\r`).
    public struct Line {
        public let number: Int
        public let offset: Int
        public let bytes: UnsafeBufferPointer<UInt8>
    }

    private let fd: Int32
    private let path: String
    private let maxLineBytes: Int
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var fileOffset = 0
    private var lineNumber = 0
    private var eof = false
    /// Buffer position up to which no newline remains unseen.
    private var scanned = 0

    /// Opens `path` for reading.
    public init(path: String, maxLineBytes: Int = 64 << 20, chunkSize: Int = 1 << 20) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InputError.cannotOpen(path: path, code: errno) }
        self.fd = fd
        self.path = path
        self.maxLineBytes = maxLineBytes
        self.buffer = [UInt8](repeating: 0, count: max(chunkSize, 4096))
    }

    deinit { close(fd) }

    /// Calls `body` for each line in order; stops early when `body` returns false.
    public func forEachLine(_ body: (Line) throws -> Bool) throws {
        while true {
            // Find the next newline in the buffered bytes.
            if let nl = nextNewline() {
                lineNumber += 1
                if nl - start > maxLineBytes + 1 { throw InputError.lineTooLong(path: path, line: lineNumber, limit: maxLineBytes) }
                var lineEnd = nl
                if lineEnd > start, buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let s = afterByteOrderMark(start, lineEnd)
                let offset = fileOffset + s
                let keepGoing = try buffer.withUnsafeBufferPointer { buf in
                    try body(Line(number: lineNumber, offset: offset, bytes: UnsafeBufferPointer(rebasing: buf[s..<lineEnd])))
                }
                start = nl + 1
                if !keepGoing { return }
                continue
            }
            if eof {
                if start < end {
                    lineNumber += 1
                    if end - start > maxLineBytes + 1 { throw InputError.lineTooLong(path: path, line: lineNumber, limit: maxLineBytes) }
                    var lineEnd = end
                    if buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                    let s = afterByteOrderMark(start, lineEnd)
                    let offset = fileOffset + s
                    start = end
                    _ = try buffer.withUnsafeBufferPointer { buf in
                        try body(Line(number: lineNumber, offset: offset, bytes: UnsafeBufferPointer(rebasing: buf[s..<lineEnd])))
                    }
                }
                return
            }
            try fill()
        }
    }

    /// Where the line at buffer position `s` (ending at `lineEnd`) starts once a byte order mark at
    /// the very start of the file is skipped.
    private func afterByteOrderMark(_ s: Int, _ lineEnd: Int) -> Int {
        guard fileOffset + s == 0, lineEnd - s >= 3, buffer[s] == 0xEF, buffer[s + 1] == 0xBB, buffer[s + 2] == 0xBF else { return s }
        return s + 3
    }

    /// Index of the next newline in the buffered bytes, scanning each byte once (memchr).
    private func nextNewline() -> Int? {
        let from = max(start, scanned)
        guard from < end else { return nil }
        let found = buffer.withUnsafeBufferPointer { buf -> Int? in
            guard let base = buf.baseAddress, let p = memchr(base + from, 0x0A, end - from) else { return nil }
            return base.distance(to: p.assumingMemoryBound(to: UInt8.self))
        }
        scanned = found.map { $0 + 1 } ?? end
        return found
    }

    /// Moves the partial line to the front and reads more, growing the buffer for long lines.
    private func fill() throws {
        if start > 0 {
            let count = end - start
            if count > 0 {
                buffer.withUnsafeMutableBufferPointer { buf in
                    guard let base = buf.baseAddress else { return }
                    memmove(base, base + start, count)
                }
            }
            fileOffset += start
            scanned = max(0, scanned - start)
            start = 0
            end = count
        }
        if end == buffer.count {
            guard buffer.count < maxLineBytes + 2 else {
                throw InputError.lineTooLong(path: path, line: lineNumber + 1, limit: maxLineBytes)
            }
            var grown = [UInt8](repeating: 0, count: min(buffer.count * 2, maxLineBytes + 2))
            grown.withUnsafeMutableBytes { dst in
                buffer.withUnsafeBytes { src in dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[0..<end])) }
            }
            buffer = grown
        }
        let n = buffer.withUnsafeMutableBufferPointer { buf -> Int in
            guard let base = buf.baseAddress else { return 0 }
            return read(fd, base + end, buf.count - end)
        }
        if n < 0 {
            if errno == EINTR { return }
            throw InputError.cannotRead(path: path, reason: String(cString: strerror(errno)))
        }
        if n == 0 { eof = true }
        end += n
    }
}
