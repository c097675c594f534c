import ArgumentParser
import Foundation
import Gavel
import GavelCache
import GavelPostgres
import GavelSupport

/// `gavel cache`: look after the judge-response cache.
struct CacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Inspect, prune or clear the judge-response cache.",
        discussion: """
            Every validated judge answer is kept in the cache folder (./Cache, $GAVEL_CACHE_DIR or \
            --cache-dir), one file per call, so rerunning a file costs no judge calls.

            Examples:
              gavel cache stats
              gavel cache prune --older-than 30d --max-size 2GB
              gavel cache clear --cache-dir /tmp/gavel-cache
              gavel cache stats --cache-url postgres://gavel@db:5432/gavel
            """,
        subcommands: [Stats.self, Prune.self, Clear.self]
    )

    /// Folder (or database) flags shared by the cache subcommands.
    struct Folder: ParsableArguments {
        @Option(help: ArgumentHelp("Cache folder (default: $GAVEL_CACHE_DIR, else ./Cache).", valueName: "DIR"))
        var cacheDir: String?

        @Option(
            help: ArgumentHelp(
                "A PostgreSQL cache instead of the folder (default: $GAVEL_CACHE_URL).", valueName: "postgres://USER@HOST:PORT/DB"))
        var cacheURL: String?

        var directory: String { CacheOptions.directory(cacheDir) }

        /// The PostgreSQL store, when a URL is given; connected and migrated.
        func database() async throws -> PostgresCacheStore? {
            guard let url = CacheOptions.url(cacheURL) else { return nil }
            let store = try PostgresCacheStore(url: url, mode: .readwrite, environment: ProcessInfo.processInfo.environment)
            do {
                try await store.prepare()
            } catch {
                await store.shutdown()
                printError("\(error)")
                throw ExitCode(ExitStatus.judgeUnavailable.rawValue)
            }
            return store
        }

        /// Runs `body` with the PostgreSQL store when a URL is given, shutting the store down after; nil without a URL.
        func withDatabase<T>(_ body: (PostgresCacheStore) async throws -> T) async throws -> T? {
            guard let db = try await database() else { return nil }
            do {
                let result = try await body(db)
                await db.shutdown()
                return result
            } catch {
                await db.shutdown()
                throw error
            }
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show entries, size, oldest and newest entry, and the last run's hit rate.",
            discussion: "Example:\n  gavel cache stats --cache-dir ./Cache")
        @OptionGroup var folder: Folder

        func run() async throws {
            let f = ISO8601DateFormatter()
            let printed: Void? = try await folder.withDatabase { db in
                let s = try await db.stats()
                var rows: [(String, String)] = [
                    ("database", db.displayURL),
                    ("entries", "\(s.entries)"),
                    ("size", ByteCountFormatter.string(fromByteCount: Int64(s.bytes), countStyle: .file)),
                    ("oldest", s.oldest.map { f.string(from: $0) } ?? "-"),
                    ("newest", s.newest.map { f.string(from: $0) } ?? "-"),
                ]
                if let (hits, misses) = s.runs.first {
                    rows.append(("last run", "\(hits) hits, \(misses) misses"))
                }
                print(KeyValueTable(rows).render(indent: ""), terminator: "")
            }
            if printed != nil { return }
            let s = CacheMaintenance(directory: folder.directory).summary()
            var rows: [(String, String)] = [
                ("folder", folder.directory),
                ("entries", "\(s.entries)"),
                ("size", ByteCountFormatter.string(fromByteCount: Int64(s.bytes), countStyle: .file)),
                ("oldest", s.oldest.map { f.string(from: $0) } ?? "-"),
                ("newest", s.newest.map { f.string(from: $0) } ?? "-"),
            ]
            if let r = s.lastRun {
                let total = r.hits + r.misses
                let rate = total == 0 ? 0 : Double(r.hits) / Double(total) * 100
                rows.append(
                    ("last run", String(format: "%d hits, %d misses (%.1f%% hit rate) at %@", r.hits, r.misses, rate, f.string(from: r.at)))
                )
            }
            print(KeyValueTable(rows).render(indent: ""), terminator: "")
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove entries older than an age, then the oldest until the cache fits a size.",
            discussion:
                "Examples:\n  gavel cache prune --older-than 30d\n  gavel cache prune --max-size 2GB\n  gavel cache prune --older-than "
                + "12h --max-size 500MB"
        )
        @OptionGroup var folder: Folder
        @Option(help: ArgumentHelp("Age such as 45s, 90m, 12h, 30d, 2w.", valueName: "AGE")) var olderThan: String?
        @Option(help: ArgumentHelp("Size such as 500MB, 2GB, 1GiB.", valueName: "SIZE")) var maxSize: String?

        func validate() throws {
            if olderThan == nil && maxSize == nil { throw ValidationError("give --older-than, --max-size or both") }
            if let a = olderThan, CacheMaintenance.parseAge(a) == nil {
                throw ValidationError("--older-than takes an age such as 30d, 12h, 90m (got \"\(a)\")")
            }
            if let m = maxSize, CacheMaintenance.parseSize(m) == nil {
                throw ValidationError("--max-size takes a size such as 2GB, 500MB (got \"\(m)\")")
            }
        }

        func run() async throws {
            let pruned: Void? = try await folder.withDatabase { db in
                guard maxSize == nil else {
                    printError("--max-size is for the cache folder; prune a database by age (--older-than)")
                    throw ExitCode(ExitStatus.usage.rawValue)
                }
                let age = olderThan.flatMap(CacheMaintenance.parseAge) ?? 0
                let n = try await db.prune(olderThan: .seconds(age))
                print("removed \(n) entries from \(db.displayURL)")
            }
            if pruned != nil { return }
            let r = CacheMaintenance(directory: folder.directory).prune(
                olderThan: olderThan.flatMap(CacheMaintenance.parseAge), maxBytes: maxSize.flatMap(CacheMaintenance.parseSize))
            print("removed \(r.entries) entries (\(ByteCountFormatter.string(fromByteCount: Int64(r.bytes), countStyle: .file)))")
        }
    }

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove every cache entry.",
            discussion: "Example:\n  gavel cache clear")
        @OptionGroup var folder: Folder

        func run() async throws {
            let cleared: Void? = try await folder.withDatabase { db in
                let n = try await db.clear()
                print("removed \(n) entries from \(db.displayURL)")
            }
            if cleared != nil { return }
            let n = CacheMaintenance(directory: folder.directory).clear()
            print("removed \(n) entries from \(folder.directory)")
        }
    }
}
