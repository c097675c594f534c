import ArgumentParser
import Foundation
import Gavel

/// Where the judge cache lives and how a run uses it.
struct CacheOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Cache folder (default: $GAVEL_CACHE_DIR, else ./Cache).", valueName: "DIR"))
    var cacheDir: String?

    @Option(help: ArgumentHelp("readwrite (answer from and store into the cache), read, write (refresh), or off.", valueName: "MODE"))
    var cache: CacheMode = .readwrite

    /// The folder in force.
    var directory: String { Self.directory(cacheDir) }

    /// Puts the cache flags into a run's configuration.
    func apply(to c: inout RankConfiguration) {
        c.cacheMode = cache
        c.cacheDirectory = directory
    }

    /// `--cache-dir`, else `$GAVEL_CACHE_DIR`, else `./Cache`.
    static func directory(_ flag: String?) -> String {
        if let d = flag, !d.isEmpty { return d }
        if let d = ProcessInfo.processInfo.environment["GAVEL_CACHE_DIR"], !d.isEmpty { return d }
        return "Cache"
    }
}

extension CacheMode: ExpressibleByArgument {}
