import GavelCore
import GavelSupport
import Logging

/// Where verdicts are kept between runs: a folder (`JudgeCache`) or a database (`PostgresCacheStore`,
/// in the GavelPostgres target, opened through a `CacheDatabaseOpener`). Every operation is async and
/// none blocks a thread of the cooperative pool for longer than a small file read; lookups take many
/// keys at once, so a store with round trips answers them with one.
public protocol JudgeCacheStore: Sendable {
    /// How the run uses the store.
    var mode: CacheMode { get }
    /// Hits, misses and stores so far in this run.
    var statistics: JudgeCache.Statistics { get }
    /// The usable verdicts stored under `keys`, each with `count` scores; absent, unusable or
    /// unreachable entries are missing from the answer (and counted as misses).
    func lookup(_ keys: [String], count: Int) async -> [String: JudgeVerdict]
    /// Stores a validated verdict.
    func store(_ key: String, verdict: JudgeVerdict, judge: String, identityDigest: String) async throws
    /// Called once when a run ends, with its counts (the disk store keeps a run log for `gavel cache stats`).
    func recordRun(hits: Int, misses: Int) async
    /// Connects and readies the store before a run's first call (a database: reachable, migrated).
    func prepare() async throws
    /// Releases what the store holds (a database's connections); it is not used afterwards.
    func shutdown() async
}

/// Opens a cache database from its URL (`--cache-url`): the run's mode, the environment (for
/// credentials: `PGPASSWORD`, `.pgpass`) and a logger. Throws for a URL it cannot use.
public typealias CacheDatabaseOpener =
    @Sendable (_ url: String, _ mode: CacheMode, _ environment: [String: String], _ logger: Logger) throws -> any JudgeCacheStore

extension JudgeCacheStore {
    public func prepare() async throws {}
    public func shutdown() async {}

    /// The verdict stored under one key, if usable.
    public func lookup(_ key: String, count: Int) async -> JudgeVerdict? {
        await lookup([key], count: count)[key]
    }
}

extension JudgeCache: JudgeCacheStore {
    /// Reads each entry's file in turn: small reads from the page cache, done where the caller runs.
    public func lookup(_ keys: [String], count: Int) async -> [String: JudgeVerdict] {
        var found: [String: JudgeVerdict] = [:]
        for key in keys { if let verdict = read(key, count: count) { found[key] = verdict } }
        return found
    }

    /// Writes the entry on a thread of its own: an atomic write (a temporary file, then a rename) may wait on the disk.
    public func store(_ key: String, verdict: JudgeVerdict, judge: String, identityDigest: String) async throws {
        guard mode.writes else { return }
        try await offload { try self.write(key, verdict: verdict, judge: judge, identityDigest: identityDigest) }
    }

    public func recordRun(hits: Int, misses: Int) async {
        let directory = self.directory
        _ = try? await offload { CacheMaintenance(directory: directory).recordRun(hits: hits, misses: misses) }
    }
}
