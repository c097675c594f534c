import Gavel

/// What `gavel serve` is, as plain values: where it listens, what it accepts, and the ranking run
/// (judge, rubric, cache, rate limits) that every request shares.
public struct ServeConfiguration: Sendable {
    /// The address to listen on; anything but loopback needs `authToken`.
    public var host = "127.0.0.1"
    /// The port; 0 picks a free one (the service reports which).
    public var port = 8080
    /// The largest request body accepted, in bytes (413 above it).
    public var maxBodyBytes = 64 << 20
    /// Groups accepted and not yet answered, over all requests; one more gets 429.
    public var maxQueuedGroups = 1024
    /// The bearer token every request must carry; required off loopback. Never logged.
    public var authToken: String?
    /// Stop gracefully when standard input reaches its end (the process that started the service
    /// with a pipe on its standard input has exited).
    public var stopWhenStandardInputCloses = false
    /// The ranking run every request goes through: one judge, cache, concurrency and rate budget.
    public var rank: RankConfiguration

    public init(rank: RankConfiguration) { self.rank = rank }

    /// Whether `host` is a loopback address (only this machine can connect).
    public var listensOnLoopback: Bool {
        let h = host.lowercased()
        return h == "localhost" || h == "::1" || h == "[::1]" || h.hasPrefix("127.")
    }
}
