import Foundation
import GavelCore
import GavelSupport

/// Reusable memory for reading byte spans of input files: grown when a span needs more, never
/// zero-filled, freed in deinit. A worker process keeps one for its whole life, so reading a
/// batch's lines costs one `pread` and no allocation. Not `Sendable`: one owner at a time.
final class SpanBuffer {
    private var memory: UnsafeMutableRawPointer?
    private var capacity = 0

    init() {}

    deinit { memory?.deallocate() }

    /// Reads `span` of the file at `path`; the bytes stay valid until the next read.
    func read(path: String, span: Range<Int>) throws(InputError) -> UnsafeBufferPointer<UInt8> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InputError.cannotOpen(path: path, code: errno) }
        defer { close(fd) }
        // A span past the end of the file (the file shrank, or a corrupt request) is refused before
        // any memory is set aside for it.
        var info = stat()
        guard fstat(fd, &info) == 0, span.lowerBound >= 0, span.upperBound <= Int(info.st_size) else {
            throw InputError.changedDuringRun(path: path)
        }
        if span.count > capacity {
            // Exact size the first time (a one-off read), doubling after that (a worker's reused buffer).
            memory?.deallocate()
            capacity = max(span.count, capacity * 2)
            memory = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        }
        guard let memory else { return UnsafeBufferPointer(start: nil, count: 0) }
        guard FileDescriptorIO.pread(fd, into: memory, offset: span.lowerBound, length: span.count) else {
            throw InputError.changedDuringRun(path: path)
        }
        return UnsafeBufferPointer(start: memory.assumingMemoryBound(to: UInt8.self), count: span.count)
    }
}
