import Foundation

/// The process's open-file limit (`RLIMIT_NOFILE`): raised where it can be, and used to size how
/// many judge calls may be in flight so connections never exhaust it.
public enum DescriptorLimit {
    /// Descriptors kept back for everything but judge calls: standard streams, curl's own,
    /// input and output files, logging, the process pool's shared regions.
    public static let reserve = 64
    /// Descriptors one process-pool worker holds in this process (its pipes and reply region).
    public static let perWorker = 4
    /// Descriptors one call in flight may hold: its connection, and briefly a cache file.
    public static let perCall = 2

    /// Raises the soft limit to the hard limit (as Go programs do at start) and returns the soft
    /// limit now in force, or nil if it cannot be read.
    @discardableResult
    public static func raiseSoftLimit() -> Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur == rlim_t.max ? Int.max : Int(clamping: limit.rlim_cur)
    }

    /// The highest concurrency, at most `requested`, whose calls fit in `limit` descriptors next to
    /// `workers` pool workers and `files` open input files (at least 1).
    public static func fittingConcurrency(_ requested: Int, limit: Int, workers: Int, files: Int) -> Int {
        let available = limit - reserve - workers * perWorker - files
        return max(1, min(requested, available / perCall))
    }

    /// Whether `code` (an errno) means the process or the system ran out of descriptors.
    public static func isExhausted(_ code: Int32) -> Bool { code == EMFILE || code == ENFILE }

    /// The words for running out of descriptors, naming the limit and the remedy.
    public static func exhaustedMessage(_ code: Int32) -> String {
        var limit = rlimit()
        let now = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 ? " (the limit is \(limit.rlim_cur))" : ""
        let which = code == ENFILE ? "the system is out of file descriptors" : "Gavel ran out of file descriptors\(now)"
        return "\(which): raise the limit with `ulimit -n` or call the judge less at once"
    }
}
