import GavelSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Writes to standard error without trapping when no one reads it any more (Foundation's
/// `FileHandle.write` traps on EPIPE): a `gavel serve` whose starting process died, its log pipe
/// closed, must still stop in order. What cannot be written is dropped.
enum StandardError {
    static func write(_ text: String) {
        _ = FileDescriptorIO.writeAll(STDERR_FILENO, Array(text.utf8))
    }
}
