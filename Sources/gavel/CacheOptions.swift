import ArgumentParser
import Foundation
import Gavel
import GavelCache
import GavelPostgres

/// Where the judge cache lives and how a run uses it.
struct CacheOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Cache folder (default: $GAVEL_CACHE_DIR, else ./Cache).", valueName: "DIR"))
    var cacheDir: String?

    @Option(help: ArgumentHelp("readwrite (answer from and store into the cache), read, write (refresh), or off.", valueName: "MODE"))
    var cache: CacheMode = .readwrite

    @Option(
        help: ArgumentHelp(
            "A PostgreSQL cache shared by machines, instead of the folder (default: $GAVEL_CACHE_URL); the password comes from "
                + "PGPASSWORD or ~/.pgpass, never the URL.",
            valueName: "postgres://USER@HOST:PORT/DB"))
    var cacheURL: String?

    /// `--cache-url`, else `$GAVEL_CACHE_URL`.
    var url: String? { Self.url(cacheURL) }

    static func url(_ flag: String?) -> String? {
        if let u = flag, !u.isEmpty { return u }
        if let u = ProcessInfo.processInfo.environment["GAVEL_CACHE_URL"], !u.isEmpty { return u }
        return nil
    }

    /// The folder in force.
    var directory: String { Self.directory(cacheDir) }

    /// Puts the cache flags into a run's configuration.
    func apply(to c: inout RankConfiguration) {
        c.cacheMode = cache
        c.cacheDirectory = directory
        c.cacheURL = url
        c.cacheDatabase = PostgresCacheStore.opener
    }

    /// `--cache-dir`, else `$GAVEL_CACHE_DIR`, else `./Cache`.
    static func directory(_ flag: String?) -> String {
        if let d = flag, !d.isEmpty { return d }
        if let d = ProcessInfo.processInfo.environment["GAVEL_CACHE_DIR"], !d.isEmpty { return d }
        return "Cache"
    }
}

extension CacheMode: ExpressibleByArgument {}
