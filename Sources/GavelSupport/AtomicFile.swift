import Glibc

/// Write-then-rename: a file appears at its path whole or not at all, never half-written, and a
/// failed attempt leaves no temporary file behind. Used by the output sink and the disk cache.
public enum AtomicFile {
    /// Which step failed, and the errno it failed with.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public enum Step: Sendable { case create, write, move }
        public let step: Step
        public let code: Int32

        /// The system's words for `code`.
        public var reason: String { String(cString: strerror(code)) }
        public var description: String { reason }
    }

    /// Closes the temporary file `fd` at `temp` (syncing it first when `sync`) and renames it to
    /// `path`; on failure the temporary file is removed.
    public static func commit(fd: Int32, temp: String, to path: String, sync: Bool) throws(Failure) {
        guard !sync || fsync(fd) == 0, close(fd) == 0 else {
            let code = errno
            unlink(temp)
            throw Failure(step: .write, code: code)
        }
        guard rename(temp, path) == 0 else {
            let code = errno
            unlink(temp)
            throw Failure(step: .move, code: code)
        }
    }

    /// Writes `bytes` to a new temporary file in `folder` (mode `permissions`), then renames it to `path`.
    public static func write(_ bytes: [UInt8], to path: String, temporaryIn folder: String, permissions: mode_t) throws(Failure) {
        guard let (fd, temp) = FileDescriptorIO.makeTemporary("\(folder)/.tmp-XXXXXX") else {
            throw Failure(step: .create, code: errno)
        }
        fchmod(fd, permissions)
        guard FileDescriptorIO.writeAll(fd, bytes) else {
            let code = errno
            close(fd)
            unlink(temp)
            throw Failure(step: .write, code: code)
        }
        try commit(fd: fd, temp: temp, to: path, sync: false)
    }
}
