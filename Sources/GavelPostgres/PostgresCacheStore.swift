import Foundation
import GavelCache
import GavelCore
import GavelHTTP
import GavelSupport
import Logging
import PostgresNIO
import Synchronization

/// The judge cache in PostgreSQL, shared by every machine of a job (`--cache-url postgres://…`).
///
/// One table, `gavel_judge_cache` (key = the disk cache's SHA-256 key; the entry as the disk cache
/// writes it, the judge, its identity digest, the time), made by a versioned migration on first
/// use under an advisory lock (shards start at once). Writes are `INSERT … ON CONFLICT DO
/// NOTHING`; lookups that arrive while a query is out go together as the next `WHERE key = ANY(…)`
/// query; the connection pool is bounded. Everything is async on postgres-nio: no thread waits.
/// A query that fails or takes longer than `timeout` marks the database down for `downFor`, and
/// meanwhile lookups miss and stores fail at once (the run goes on judging; the summary counts
/// answers not stored). The password comes from `PGPASSWORD` or a `.pgpass` file, never the URL.
public final class PostgresCacheStore: JudgeCacheStore {
    public static let schemaVersion = 1

    /// Opens the store for a run's `--cache-url` (`RankConfiguration.cacheDatabase`).
    public static let opener: CacheDatabaseOpener = { url, mode, environment, logger in
        try PostgresCacheStore(url: url, mode: mode, environment: environment, logger: logger)
    }
    public let mode: CacheMode
    /// The URL without credentials, for messages.
    public let displayURL: String
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger: Logger
    private let state = Mutex(JudgeCache.Statistics())
    private let batcher: LookupBatcher
    private let host: String
    private let port: Int
    /// After a failed query, the database counts as down until then: lookups miss and stores fail
    /// at once instead of each waiting for the pool to give up (the run goes on; answers reach the output).
    private let downUntil = Mutex<ContinuousClock.Instant?>(nil)
    private static let timeout: Duration = .seconds(10)
    private let lookupFailureLogged = AtomicFlag()
    private static let downFor: Duration = .seconds(5)

    /// Parses `url` and starts the connection pool (connecting lazily; `prepare()` checks it).
    public init(url: String, mode: CacheMode, environment: [String: String], logger: Logger = Logger(label: "gavel.cache")) throws {
        guard let parts = URLComponents(string: url), ["postgres", "postgresql"].contains(parts.scheme ?? ""),
            let host = parts.host, !host.isEmpty
        else { throw CacheError("--cache-url must be postgres://USER@HOST:PORT/DATABASE, got \(URLText.redacted(url))") }
        guard parts.password == nil else {
            throw CacheError("--cache-url must not hold a password: set PGPASSWORD or use a .pgpass file")
        }
        let user = parts.user ?? environment["PGUSER"] ?? "postgres"
        let port = parts.port ?? 5432
        let database = String(parts.path.drop { $0 == "/" }).nilIfEmpty ?? user
        let sslmode = parts.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let password =
            environment["PGPASSWORD"]
            ?? Self.pgpass(environment: environment, host: host, port: port, database: database, user: user)
        let tls: PostgresClient.Configuration.TLS
        switch sslmode {
        case "disable": tls = .disable
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: tls = .prefer(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.maximumConnections = 8
        configuration.options.connectTimeout = .seconds(5)
        self.mode = mode
        self.logger = logger
        self.host = host
        self.port = port
        self.displayURL = "postgres://\(user)@\(host):\(port)/\(database)"
        let client = PostgresClient(configuration: configuration)
        self.client = client
        self.runner = Task { await client.run() }
        self.batcher = LookupBatcher { keys in
            var found: [String: String] = [:]
            let rows = try await client.query("SELECT key, entry FROM gavel_judge_cache WHERE key = ANY(\(keys))", logger: logger)
            for try await (k, e) in rows.decode((String, String).self) { found[k] = e }
            return found
        }
    }

    deinit { runner.cancel() }

    /// Closes the pool's connections and waits until it has stopped.
    public func shutdown() async {
        runner.cancel()
        await runner.value
    }

    /// The password for this connection from `PGPASSFILE` or `~/.pgpass` (`host:port:db:user:password`, `*` matches any).
    static func pgpass(environment: [String: String], host: String, port: Int, database: String, user: String) -> String? {
        let path = environment["PGPASSFILE"] ?? (environment["HOME"].map { $0 + "/.pgpass" } ?? "")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: ":", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
            guard f.count == 5 else { continue }
            let want = [host, String(port), database, user]
            if zip(f.prefix(4), want).allSatisfy({ $0 == "*" || $0 == $1 }) { return f[4] }
        }
        return nil
    }

    /// Connects and brings the table to this version (exit 3 before any judge call when unreachable).
    public func prepare() async throws {
        let (host, port) = (self.host, self.port)
        if let refusal = try await offload({ Self.refusal(host: host, port: port) }) {
            throw CacheUnreachable("cannot reach the cache database \(displayURL): \(refusal)")
        }
        do {
            try await client.withConnection { connection in
                try await connection.query("SELECT pg_advisory_lock(73311)", logger: self.logger)
                do {
                    try await connection.query("CREATE TABLE IF NOT EXISTS gavel_schema (version integer NOT NULL)", logger: self.logger)
                    var version = 0
                    for try await v in try await connection.query("SELECT max(version) FROM gavel_schema", logger: self.logger)
                        .decode(Int?.self)
                    {
                        version = v ?? 0
                    }
                    if version < 1 {
                        try await connection.query(
                            """
                            CREATE TABLE IF NOT EXISTS gavel_judge_cache (
                                key text PRIMARY KEY, entry text NOT NULL, judge text NOT NULL,
                                identity_digest text NOT NULL, created timestamptz NOT NULL DEFAULT now())
                            """, logger: self.logger)
                        try await connection.query(
                            """
                            CREATE TABLE IF NOT EXISTS gavel_cache_runs (
                                at timestamptz NOT NULL DEFAULT now(), hits integer, misses integer)
                            """,
                            logger: self.logger)
                        try await connection.query("INSERT INTO gavel_schema VALUES (1)", logger: self.logger)
                    } else if version > Self.schemaVersion {
                        throw CacheError("the cache database has schema version \(version); this Gavel knows up to \(Self.schemaVersion)")
                    }
                } catch {
                    _ = try? await connection.query("SELECT pg_advisory_unlock(73311)", logger: self.logger)
                    throw error
                }
                try await connection.query("SELECT pg_advisory_unlock(73311)", logger: self.logger)
            }
        } catch let error as CacheError {
            throw error
        } catch {
            throw CacheUnreachable("cannot use the cache database \(displayURL): \(Self.describe(error))")
        }
    }

    /// Why a TCP connection to `host:port` fails (within 5 s), or nil when it connects.
    static func refusal(host: String, port: Int) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return "cannot resolve \(host)" }
        defer { freeaddrinfo(list) }
        var why = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let a = entry {
            let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            if fd >= 0 {
                var timeout = timeval(tv_sec: 5, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                let ok = connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0
                why = String(cString: strerror(errno))
                close(fd)
                if ok { return nil }
            }
            entry = a.pointee.ai_next
        }
        return why
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? PSQLError {
            if let message = e.serverInfo?[.message] { return message }
            return "\(e.code)"
        }
        return "\(error)"
    }

    public var statistics: JudgeCache.Statistics { state.withLock { $0 } }

    /// Runs `operation` with a deadline of `timeout`; at once a failure while the database counts as down.
    private func guarded<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async -> Result<T, any Error> {
        if let until = downUntil.withLock({ $0 }), ContinuousClock.now < until {
            return .failure(CacheError("the cache database \(displayURL) is not answering"))
        }
        let display = displayURL
        do {
            let value = try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await operation() }
                group.addTask {
                    try await Task.sleep(for: Self.timeout)  // the deadline, not a poll: cancelled when the query ends
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    throw CacheError("the cache database \(display) did not answer within \(Self.timeout.components.seconds) s")
                }
                return value
            }
            downUntil.withLock { $0 = nil }
            return .success(value)
        } catch {
            downUntil.withLock { $0 = ContinuousClock.now + Self.downFor }
            return .failure(error)
        }
    }

    public func lookup(_ keys: [String], count: Int) async -> [String: JudgeVerdict] {
        guard mode.reads, !keys.isEmpty else { return [:] }
        let batcher = self.batcher
        var found: [String: JudgeVerdict] = [:]
        switch await guarded({ try await batcher.fetch(keys) }) {
        case .success(let entries):
            for key in keys {
                if let entry = entries[key], let verdict = JudgeCache.decode(Data(entry.utf8), key: key, count: count) {
                    found[key] = verdict
                }
            }
        case .failure(let error):
            if !lookupFailureLogged.exchange(true) {
                logger.warning("cache lookups failed, judging instead (further ones are not logged): \(Self.describe(error))")
            }
        }
        state.withLock {
            $0.hits += found.count
            $0.misses += keys.count - found.count
        }
        return found
    }

    public func store(_ key: String, verdict: JudgeVerdict, judge: String, identityDigest: String) async throws {
        guard mode.writes else { return }
        let entry = String(decoding: JudgeCache.entry(key, verdict: verdict, judge: judge, identityDigest: identityDigest), as: UTF8.self)
        let client = self.client, logger = self.logger
        let result = await guarded {
            try await client.query(
                """
                INSERT INTO gavel_judge_cache (key, entry, judge, identity_digest) VALUES (\(key), \(entry), \(judge), \(identityDigest))
                ON CONFLICT (key) DO NOTHING
                """, logger: logger)
            return true
        }
        switch result {
        case .success: state.withLock { $0.stores += 1 }
        case .failure(let error):
            state.withLock { $0.storeFailures += 1 }
            throw CacheError("cannot store in \(displayURL): \(Self.describe(error))")
        }
    }

    public func recordRun(hits: Int, misses: Int) async {
        let client = self.client, logger = self.logger
        _ = await guarded {
            try await client.query("INSERT INTO gavel_cache_runs (hits, misses) VALUES (\(hits), \(misses))", logger: logger)
            return true
        }
    }

    // MARK: Maintenance

    /// Entries, their total size, and the oldest and newest.
    public func stats() async throws -> (entries: Int, bytes: Int, oldest: Date?, newest: Date?, runs: [(Int, Int)]) {
        var out: (entries: Int, bytes: Int, oldest: Date?, newest: Date?, runs: [(Int, Int)]) = (0, 0, nil, nil, [])
        let rows = try await client.query(
            "SELECT count(*)::bigint, coalesce(sum(octet_length(entry)), 0)::bigint, min(created), max(created) FROM gavel_judge_cache",
            logger: logger)
        for try await (n, b, o, w) in rows.decode((Int, Int, Date?, Date?).self) { out = (n, b, o, w, []) }
        for try await (h, m) in try await client.query(
            "SELECT coalesce(hits, 0), coalesce(misses, 0) FROM gavel_cache_runs ORDER BY at DESC LIMIT 5", logger: logger
        ).decode((Int, Int).self) {
            out.runs.append((h, m))
        }
        return out
    }

    /// Removes entries older than `age`; returns how many.
    public func prune(olderThan age: Duration) async throws -> Int {
        let seconds = Double(age.components.seconds)
        var n = 0
        for try await c in try await client.query(
            """
            WITH d AS (DELETE FROM gavel_judge_cache WHERE created < now() - make_interval(secs => \(seconds)) RETURNING 1)
            SELECT count(*)::bigint FROM d
            """,
            logger: logger
        ).decode(Int.self) {
            n = c
        }
        return n
    }

    /// Removes every entry; returns how many.
    public func clear() async throws -> Int {
        var n = 0
        for try await c in try await client.query(
            "WITH d AS (DELETE FROM gavel_judge_cache RETURNING 1) SELECT count(*)::bigint FROM d", logger: logger
        ).decode(Int.self) {
            n = c
        }
        return n
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
