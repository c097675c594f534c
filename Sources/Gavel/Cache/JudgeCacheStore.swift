/// Where validated judge answers are kept between runs: a folder (`JudgeCache`) or PostgreSQL (`PostgresCacheStore`).
///
/// Keys are order-invariant digests of a prompt and the judge's identity (`JudgeCache.key`);
/// a store never sees an API key.
public protocol JudgeCacheStore: Sendable {
    /// How the run uses the store.
    var mode: CacheMode { get }
    /// Hits, misses and stores so far in this run.
    var statistics: JudgeCache.Statistics { get }
    /// The verdict stored under `key`, if it has `count` scores; nil when absent or unusable.
    /// May block on IO: callers run it off the cooperative pool.
    func lookup(_ key: String, count: Int) -> JudgeVerdict?
    /// Stores a validated verdict. May block on IO.
    func store(_ key: String, verdict: JudgeVerdict, judge: String, identityDigest: String) throws
    /// Called once when a run ends, with its counts (the disk store keeps a run log for `gavel cache stats`).
    func recordRun(hits: Int, misses: Int)
    /// Connects and readies the store before a run's first call (a database: reachable, migrated).
    func prepare() async throws
}

extension JudgeCacheStore {
    public func prepare() async throws {}
}

extension JudgeCache: JudgeCacheStore {
    public func recordRun(hits: Int, misses: Int) {
        CacheMaintenance(directory: directory).recordRun(hits: hits, misses: misses)
    }
}
