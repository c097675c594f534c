import Foundation
import GavelJSON

/// Inspecting and trimming a cache directory: statistics, pruning by age and size, clearing.
public struct CacheMaintenance: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// One entry file: path, size in bytes, modification time.
    public struct Entry: Sendable {
        public var path: String
        public var bytes: Int
        public var modified: Date
    }

    /// What `gavel cache stats` shows.
    public struct Summary: Sendable {
        public var entries = 0
        public var bytes = 0
        public var oldest: Date?
        public var newest: Date?
        /// Hits and misses of the last recorded run, if any.
        public var lastRun: (hits: Int, misses: Int, at: Date)?
    }

    /// Every entry file under the shard folders: a regular file named `KEY.json` (KEY: 64 lowercase hex
    /// digits starting with its shard's two) whose text begins as Gavel writes entries. Anything else
    /// in the folder — temporary files, a README, a user's own files — is not an entry.
    public func entries() -> [Entry] {
        let fm = FileManager.default
        guard let shards = try? fm.contentsOfDirectory(atPath: directory) else { return [] }
        var result: [Entry] = []
        for shard in shards where Self.isShard(shard) {
            let folder = directory + "/" + shard
            for name in (try? fm.contentsOfDirectory(atPath: folder)) ?? [] where Self.isEntryName(name, shard: shard) {
                let path = folder + "/" + name
                var info = stat()
                guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, Self.hasEntryHeader(path, key: String(name.dropLast(5)))
                else { continue }
                let modified = Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
                result.append(Entry(path: path, bytes: Int(info.st_size), modified: modified))
            }
        }
        return result
    }

    static func isShard(_ name: String) -> Bool {
        name.count == 2 && name.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// `KEY.json` with KEY 64 lowercase hex digits that start with `shard`.
    static func isEntryName(_ name: String, shard: String) -> Bool {
        name.utf8.count == 69 && name.hasSuffix(".json") && name.hasPrefix(shard)
            && name.utf8.prefix(64).allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// Whether the file begins as `JudgeCache` writes entries: `{"version":N,"key":"KEY"`.
    static func hasEntryHeader(_ path: String, key: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 128)
        let n = head.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return false }
        return JudgeCache.beginsLikeEntry(String(decoding: head.prefix(n), as: UTF8.self), key: key)
    }

    public func summary() -> Summary {
        let all = entries()
        var s = Summary()
        s.entries = all.count
        s.bytes = all.reduce(0) { $0 + $1.bytes }
        s.oldest = all.map(\.modified).min()
        s.newest = all.map(\.modified).max()
        if let data = FileManager.default.contents(atPath: directory + "/last-run.json"), let v = try? JSONParser.parse(data),
            let hits = v["hits"]?.intValue, let misses = v["misses"]?.intValue, let at = v["at"]?.doubleValue
        {
            s.lastRun = (hits, misses, Date(timeIntervalSince1970: at))
        }
        return s
    }

    /// Records a run's hits and misses for `gavel cache stats`.
    public func recordRun(hits: Int, misses: Int) {
        let text =
            JSONWriter.string(
                .object(
                    JSONObject(pairs: [
                        "hits": .int(hits), "misses": .int(misses), "at": .double((Date().timeIntervalSince1970).rounded()),
                    ]))) + "\n"
        try? JudgeCache.makeDirectory(directory)
        try? JudgeCache.atomicWrite(Array(text.utf8), to: directory + "/last-run.json", folder: directory)
    }

    /// Removes entries older than `olderThan`, then the oldest until the total is at most `maxBytes`.
    /// Returns how many entries and bytes were removed. Stray temporary files older than an hour go too.
    @discardableResult
    public func prune(olderThan: TimeInterval? = nil, maxBytes: Int? = nil, now: Date = Date()) -> (entries: Int, bytes: Int) {
        var all = entries().sorted { $0.modified < $1.modified }
        var removed = 0, freed = 0
        func remove(_ e: Entry) {
            if unlink(e.path) == 0 {
                removed += 1
                freed += e.bytes
            }
        }
        if let age = olderThan {
            let cutoff = now.addingTimeInterval(-age)
            let (old, young) = (all.filter { $0.modified < cutoff }, all.filter { $0.modified >= cutoff })
            old.forEach(remove)
            all = young
        }
        if let limit = maxBytes {
            var total = all.reduce(0) { $0 + $1.bytes }
            for e in all where total > limit {
                remove(e)
                total -= e.bytes
            }
        }
        removeStaleTemporaries(now: now)
        return (removed, freed)
    }

    /// Removes every entry (the folder, its README and anything else not Gavel's stay).
    @discardableResult
    public func clear() -> Int {
        let all = entries()
        var removed = 0
        for e in all where unlink(e.path) == 0 { removed += 1 }
        removeStaleTemporaries(now: .distantFuture)
        let fm = FileManager.default
        for shard in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] where Self.isShard(shard) {
            rmdir(directory + "/" + shard)  // only if empty
        }
        unlink(directory + "/last-run.json")
        return removed
    }

    private func removeStaleTemporaries(now: Date) {
        let fm = FileManager.default
        for shard in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] where Self.isShard(shard) {
            let folder = directory + "/" + shard
            for name in (try? fm.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(".tmp-") && name.utf8.count == 11 {
                let path = folder + "/" + name
                var info = stat()
                guard stat(path, &info) == 0 else { continue }
                if now.timeIntervalSince1970 - Double(info.st_mtim.tv_sec) > 3600 { unlink(path) }
            }
        }
    }

    /// Parses an age such as `30d`, `12h`, `90m`, `45s` or `2w` into seconds.
    public static func parseAge(_ text: String) -> TimeInterval? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800]
        guard let last = text.last, let unit = units[last], let n = Double(text.dropLast()), n >= 0 else { return nil }
        return n * unit
    }

    /// Parses a size such as `2GB`, `500MB`, `1.5GiB` or `1000` (bytes).
    public static func parseSize(_ text: String) -> Int? {
        let t = text.uppercased()
        let units: [(String, Double)] = [
            ("KIB", 1024), ("MIB", 1_048_576), ("GIB", 1_073_741_824), ("TIB", 1_099_511_627_776),
            ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("K", 1e3), ("M", 1e6), ("G", 1e9), ("B", 1),
        ]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            guard let n = Double(t.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), n >= 0 else { return nil }
            return Int(n * factor)
        }
        return Int(t).flatMap { $0 >= 0 ? $0 : nil }
    }
}
