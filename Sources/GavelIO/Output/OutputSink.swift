import Foundation
import GavelSupport

/// Where ranked JSONL goes: a file written through a temporary file and renamed at the end,
/// or standard output, streamed. Writes are buffered; a line is never left half-written.
///
/// `-o` never replaces what it does not own: a path that names a character device, a FIFO or a
/// socket is written directly (no temporary file, so `-o /dev/null` leaves `/dev/null` alone); a
/// symlink is followed and its target is replaced, the link stays; an existing regular file keeps
/// its permission bits. The temporary file is locked while it is written, so a later run to the
/// same path can tell a killed run's leftover from a live run's file and removes only the former.
///
/// Used by one task at a time (the pipeline hands it to its writer task and takes it back after
/// awaiting that task), hence `@unchecked Sendable`.
public final class OutputSink: @unchecked Sendable {
    private let fd: Int32
    private let finalPath: String?
    private let tempPath: String?
    private var buffer: [UInt8] = []
    private let flushThreshold = 1 << 20
    private var closed = false

    /// Opens `path` for writing, or standard output for nil or `-`. Opening a FIFO blocks until it
    /// has a reader, so callers on the cooperative pool should offload this.
    public init(path: String?) throws {
        buffer.reserveCapacity(flushThreshold + 4096)
        guard let path, path != "-" else {
            (fd, finalPath, tempPath) = (1, nil, nil)
            return
        }
        let target = try Self.followLinks(path)
        var info = stat()
        let exists = stat(target, &info) == 0
        let kind = info.st_mode & S_IFMT
        if exists && kind == S_IFDIR {
            throw OutputError("cannot write \(path): it is a directory")
        }
        if exists && kind != S_IFREG {
            // A device, FIFO or socket: write to it as it is.
            let direct = open(target, O_WRONLY | O_CLOEXEC)
            guard direct >= 0 else { throw OutputError("cannot write \(path): \(String(cString: strerror(errno)))") }
            (fd, finalPath, tempPath) = (direct, path, nil)
            return
        }
        let url = URL(fileURLWithPath: target)
        let dir = url.deletingLastPathComponent().path
        let prefix = ".\(url.lastPathComponent).gavel-"
        Self.removeLeftovers(in: dir, prefix: prefix)
        guard let (temp, tempPath) = FileDescriptorIO.makeTemporary("\(dir)/\(prefix)XXXXXX") else {
            throw OutputError(
                "cannot write \(path): "
                    + "\(DescriptorLimit.isExhausted(errno) ? DescriptorLimit.exhaustedMessage(errno) : String(cString: strerror(errno)))"
            )
        }
        flock(temp, LOCK_EX)
        fchmod(temp, exists ? info.st_mode & 0o7777 : 0o644)
        (fd, finalPath, self.tempPath) = (temp, target, tempPath)
    }

    /// The path a chain of symlinks ends at (which need not exist yet); `path` itself if it is no link.
    static func followLinks(_ path: String) throws -> String {
        var current = path
        for _ in 0..<40 {
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return current }
            var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(current, &target, Int(PATH_MAX))
            guard n > 0 else { throw OutputError("cannot write \(path): \(String(cString: strerror(errno)))") }
            let link = String(decoding: target.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current =
                link.hasPrefix("/") ? link : URL(fileURLWithPath: current).deletingLastPathComponent().appendingPathComponent(link).path
        }
        throw OutputError("cannot write \(path): too many levels of symbolic links")
    }

    /// Removes temporary outputs of earlier runs to the same path that nobody holds locked any more
    /// (their runs were killed); a live run's temporary file stays.
    static func removeLeftovers(in dir: String, prefix: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names where name.hasPrefix(prefix) && name.utf8.count == prefix.utf8.count + 6 {
            let path = "\(dir)/\(name)"
            let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { continue }
            var info = stat()
            if fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, flock(fd, LOCK_EX | LOCK_NB) == 0 {
                unlink(path)
            }
            close(fd)
        }
    }

    deinit {
        guard !closed, fd != 1 else { return }
        close(fd)
        if let tempPath { unlink(tempPath) }
    }

    /// Appends a chunk of complete lines (each already ending with a newline).
    public func write(chunk: [UInt8]) throws {
        if buffer.isEmpty && chunk.count >= flushThreshold {
            try writeOut(chunk)
            return
        }
        buffer.append(contentsOf: chunk)
        if buffer.count >= flushThreshold { try flush() }
    }

    /// Appends a score-stage chunk (complete lines), then releases it.
    public func write(chunk: ByteChunk) throws {
        defer { chunk.release() }
        try chunk.withUnsafeBytes { raw in
            if buffer.isEmpty && raw.count >= flushThreshold {
                guard FileDescriptorIO.writeAll(fd, raw) else { throw writeError(errno) }
                return
            }
            buffer.append(contentsOf: raw)
            if buffer.count >= flushThreshold { try flush() }
        }
    }

    /// Writes out everything buffered.
    public func flush() throws {
        try writeOut(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeOut(_ bytes: [UInt8]) throws {
        guard FileDescriptorIO.writeAll(fd, bytes) else { throw writeError(errno) }
    }

    /// The error for a failed write with `code` (an errno): EPIPE means the reader went away.
    private func writeError(_ code: Int32) -> OutputError {
        let name = finalPath ?? "standard output"
        if code == EPIPE { return OutputError(closed: name) }
        return OutputError("cannot write \(name): \(String(cString: strerror(code)))")
    }

    /// Flushes, and for a file syncs and renames it into place.
    public func finish() throws {
        try flush()
        guard !closed, let finalPath else { return }
        closed = true
        guard let tempPath else {
            // Written in place (a device or FIFO): nothing to move.
            guard close(fd) == 0 else { throw OutputError("cannot write \(finalPath): \(String(cString: strerror(errno)))") }
            return
        }
        do {
            try AtomicFile.commit(fd: fd, temp: tempPath, to: finalPath, sync: true)
        } catch {
            throw error.step == .move
                ? OutputError("cannot move the output into place at \(finalPath): \(error.reason)")
                : OutputError("cannot write \(finalPath): \(error.reason)")
        }
    }
}

/// A failure to write the output.
public struct OutputError: Error, Sendable, CustomStringConvertible {
    public let description: String
    /// The output is a pipe (or FIFO) whose reader went away, as with `gavel rank ... | head`:
    /// not a failure of Gavel's, and reported as a closed pipe (exit 141), not an error.
    public let isClosedByReader: Bool

    package init(_ description: String) {
        self.description = description
        self.isClosedByReader = false
    }

    init(closed name: String) {
        self.description = "\(name) was closed by its reader"
        self.isClosedByReader = true
    }
}
