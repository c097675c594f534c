import ArgumentParser

/// Gavel's documented exit statuses.
enum ExitStatus {
    /// Every group was judged.
    static let ok = ExitCode(0)
    /// Some groups failed or were not judged.
    static let groupsFailed = ExitCode(1)
    /// Usage or input error.
    static let usage = ExitCode(2)
    /// The judge is unreachable or refused the key.
    static let judgeUnavailable = ExitCode(3)
    /// Interrupted by SIGINT or SIGTERM.
    static let interrupted = ExitCode(130)
    /// Standard output (or the `-o` FIFO) was closed by its reader, as with `| head`: 128 + SIGPIPE.
    static let brokenPipe = ExitCode(141)
}
