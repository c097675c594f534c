import Foundation
import GavelSupport

/// A file in shared memory (tmpfs) mapped by both the parent and one worker, through which the
/// worker hands back large replies without pushing them through a pipe.
///
/// The worker grows the file and copies its reply in; the parent copies it out. Only one reply is
/// in flight per worker at a time (the pool sends the next job after reading the reply), so the
/// region needs no further synchronisation. Not `Sendable`: each side owns its own instance.
public final class SharedRegion {
    public let fd: Int32
    private var base: UnsafeMutableRawPointer?
    private var mapped = 0

    /// Wraps an open descriptor of the shared file.
    public init(fd: Int32) { self.fd = fd }

    deinit {
        if let base { munmap(base, mapped) }
        close(fd)
    }

    /// Creates an unlinked file in /dev/shm, or nil where there is none.
    public static func create() -> SharedRegion? {
        guard let (fd, path) = FileDescriptorIO.makeTemporary("/dev/shm/gavel-pool-XXXXXX") else { return nil }
        unlink(path)
        return SharedRegion(fd: fd)
    }

    /// Maps at least `length` bytes (growing the file first when `grow` is set); nil on failure.
    private func map(_ length: Int, grow: Bool) -> UnsafeMutableRawPointer? {
        if length <= mapped, let base { return base }
        let size = max(length, mapped * 2, 1 << 20)
        if grow, ftruncate(fd, off_t(size)) != 0 { return nil }
        if let base { munmap(base, mapped) }
        base = nil
        mapped = 0
        let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        guard let p, p != MAP_FAILED else { return nil }
        base = p
        mapped = size
        return p
    }

    /// Worker side: copies `bytes` into the region; false if it could not.
    public func put(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let source = bytes.baseAddress, let p = map(bytes.count, grow: true) else { return false }
        p.copyMemory(from: source, byteCount: bytes.count)
        return true
    }

    /// Parent side: a pointer to the first `length` bytes (valid until the worker's next reply); nil if unmappable.
    public func view(_ length: Int) -> UnsafeRawPointer? {
        var st = stat()
        guard fstat(fd, &st) == 0, Int(st.st_size) >= length else { return nil }
        if length > mapped {
            // The worker grew the file: map all of it.
            guard map(Int(st.st_size), grow: false) != nil else { return nil }
        }
        return base.map { UnsafeRawPointer($0) }
    }
}
