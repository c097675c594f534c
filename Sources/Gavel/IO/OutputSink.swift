import Foundation

/// Where ranked JSONL goes: a file written through a temporary file and renamed at the end,
/// or standard output, streamed. Writes are buffered; a line is never left half-written.
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

    /// Opens `path` for writing (via a temporary file beside it), or standard output for nil or `-`.
    public init(path: String?) throws {
        if let path, path != "-" {
            let url = URL(fileURLWithPath: path)
            let dir = url.deletingLastPathComponent().path
            guard let (fd, temp) = FileDescriptorIO.makeTemporary("\(dir)/.\(url.lastPathComponent).gavel-XXXXXX") else {
                throw OutputError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            fchmod(fd, 0o644)
            self.fd = fd
            self.finalPath = path
            self.tempPath = temp
        } else {
            self.fd = 1
            self.finalPath = nil
            self.tempPath = nil
        }
        buffer.reserveCapacity(flushThreshold + 4096)
    }

    deinit {
        if !closed, let tempPath {
            close(fd)
            unlink(tempPath)
        }
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
    public func write(chunk: ScoreChunk) throws {
        defer { chunk.release() }
        try chunk.withUnsafeBytes { raw in
            if buffer.isEmpty && raw.count >= flushThreshold {
                guard FileDescriptorIO.writeAll(fd, raw) else {
                    throw OutputError("cannot write \(finalPath ?? "standard output"): \(String(cString: strerror(errno)))")
                }
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
        guard FileDescriptorIO.writeAll(fd, bytes) else {
            throw OutputError("cannot write \(finalPath ?? "standard output"): \(String(cString: strerror(errno)))")
        }
    }

    /// Flushes, and for a file syncs and renames it into place.
    public func finish() throws {
        try flush()
        guard let tempPath, let finalPath, !closed else { return }
        closed = true
        guard fsync(fd) == 0, close(fd) == 0 else {
            unlink(tempPath)
            throw OutputError("cannot write \(finalPath): \(String(cString: strerror(errno)))")
        }
        guard rename(tempPath, finalPath) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tempPath)
            throw OutputError("cannot move the output into place at \(finalPath): \(reason)")
        }
    }
}

/// A failure to write the output.
public struct OutputError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
