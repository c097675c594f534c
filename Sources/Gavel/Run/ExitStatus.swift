/// Gavel's documented exit statuses: the one map from outcomes and failures to process exit codes.
public enum ExitStatus: Int32, Sendable {
    /// Every group was judged.
    case ok = 0
    /// Some groups failed or were not judged, or the score stage failed.
    case groupsFailed = 1
    /// Usage, configuration, input or output error.
    case usage = 2
    /// The judge is unreachable or refused the key (or the cache database is unreachable at the start).
    case judgeUnavailable = 3
    /// Interrupted by SIGINT or SIGTERM.
    case interrupted = 130
    /// Standard output (or the `-o` FIFO) was closed by its reader, as with `| head`: 128 + SIGPIPE.
    case brokenPipe = 141
}
