#if canImport(Glibc)
    import Glibc
#endif

/// Writes to standard error without trapping when no one reads it any more (Foundation's
/// `FileHandle.write` traps on EPIPE): a `gavel serve` whose starting process died, its log pipe
/// closed, must still stop in order. What cannot be written is dropped.
enum StandardError {
    static func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if n > 0 {
                bytes = bytes.dropFirst(n)
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }
}
