import Foundation
import GavelCache
import GavelCore
import GavelJSON
import GavelJudge
import GavelTesting
import Synchronization
import Testing

/// The cache's logic without a judge server or a database: the disk store in a temporary folder,
/// `CachingJudge` over a stub judge and an in-memory store.
@Suite("Cache stores: keys, hits and misses, modes, the caching judge")
struct CacheStoreTests {
    static let prompt = JudgePrompt(
        system: "rank these", user: "<trajectory id=\"1\">a</trajectory>", ids: ["1", "2"], members: [[0], [1]])
    static let verdict = JudgeVerdict(
        scores: [0.25, 0.75], explanations: ["worse", "better"], usage: TokenUsage(prompt: 10, completion: 2))

    /// A store in memory that can be told to fail its writes; counts lookups and stores.
    final class MemoryStore: JudgeCacheStore {
        let mode: CacheMode
        let failWrites: Bool
        private let entries = Mutex<[String: JudgeVerdict]>([:])
        private let counts = Mutex(JudgeCache.Statistics())
        init(mode: CacheMode = .readwrite, failWrites: Bool = false) {
            self.mode = mode
            self.failWrites = failWrites
        }
        var statistics: JudgeCache.Statistics { counts.withLock { $0 } }
        func lookup(_ keys: [String], count: Int) async -> [String: JudgeVerdict] {
            let found = entries.withLock { e in e.filter { keys.contains($0.key) && $0.value.scores.count == count } }
            counts.withLock {
                $0.hits += found.count
                $0.misses += keys.count - found.count
            }
            return found.mapValues {
                var v = $0
                v.cached = true
                return v
            }
        }
        func store(_ key: String, verdict: JudgeVerdict, judge: String, identityDigest: String) async throws {
            if failWrites {
                counts.withLock { $0.storeFailures += 1 }
                throw CacheError("disk full")
            }
            entries.withLock { $0[key] = verdict }
            counts.withLock { $0.stores += 1 }
        }
        func recordRun(hits: Int, misses: Int) async {}
    }

    @Test("the disk store: a verdict comes back under its key with its scores; another key, count or a truncated file is a miss")
    func diskStore() async throws {
        let dir = try TempDir()
        let cache = try JudgeCache(directory: dir.path("cache"))
        let key = JudgeCache.key(identityDigest: "judge-a", prompt: Self.prompt)
        #expect(await cache.lookup(key, count: 2) == nil)
        try await cache.store(key, verdict: Self.verdict, judge: "stub/judge", identityDigest: "judge-a")
        let hit = try #require(await cache.lookup(key, count: 2))
        #expect(hit.scores == Self.verdict.scores && hit.explanations == Self.verdict.explanations && hit.usage == Self.verdict.usage)
        #expect(hit.cached && hit.calls == 0)
        // The key covers the ids, so an entry of another length is damaged: a miss, counted as corrupt.
        #expect(await cache.lookup(key, count: 3) == nil, "an entry with another number of scores is not this prompt's")
        let other = JudgeCache.key(identityDigest: "judge-b", prompt: Self.prompt)
        #expect(other != key)
        #expect(await cache.lookup([key, other], count: 2).keys.sorted() == [key])
        // A truncated entry is a miss (counted as corrupt), and storing again replaces it.
        let file = dir.path("cache/\(key.prefix(2))/\(key).json")
        let bytes = try #require(FileManager.default.contents(atPath: file))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: file))
        #expect(await cache.lookup(key, count: 2) == nil)
        try await cache.store(key, verdict: Self.verdict, judge: "stub/judge", identityDigest: "judge-a")
        #expect(await cache.lookup(key, count: 2) != nil)
        let stats = cache.statistics
        #expect(stats.hits == 3 && stats.misses == 4 && stats.corrupt == 2 && stats.stores == 2, "\(stats)")
        #expect(String(decoding: try #require(FileManager.default.contents(atPath: file)), as: UTF8.self).contains("judge-a"))
    }

    @Test("the key: the sample and every message part change it; the window does not")
    func keys() {
        let base = JudgeCache.key(identityDigest: "d", prompt: Self.prompt)
        var sample = Self.prompt
        sample.sample = 1
        var user = Self.prompt
        user.user += " "
        var system = Self.prompt
        system.system = "Rank these"
        var window = Self.prompt
        window.window = 3
        let keys = [sample, user, system].map { JudgeCache.key(identityDigest: "d", prompt: $0) }
        #expect(Set(keys + [base]).count == 4)
        #expect(JudgeCache.key(identityDigest: "d", prompt: window) == base)
    }

    @Test("modes: read never writes, write never reads, off touches no store")
    func modes() async throws {
        let dir = try TempDir()
        let key = JudgeCache.key(identityDigest: "d", prompt: Self.prompt)
        let readOnly = try JudgeCache(directory: dir.path("cache"), mode: .read)
        try await readOnly.store(key, verdict: Self.verdict, judge: "stub/judge", identityDigest: "d")
        #expect(!FileManager.default.fileExists(atPath: dir.path("cache")), "a read-only cache created its folder")
        let writeOnly = try JudgeCache(directory: dir.path("cache"), mode: .write)
        try await writeOnly.store(key, verdict: Self.verdict, judge: "stub/judge", identityDigest: "d")
        #expect(await writeOnly.lookup(key, count: 2) == nil)
        #expect(await readOnly.lookup(key, count: 2) != nil)

        let stub = StubJudge { _ in Self.verdict }
        let off = CachingJudge(stub, cache: MemoryStore(mode: .off))
        _ = try await off.judge(Self.prompt)
        _ = try await off.judge(Self.prompt)
        #expect(stub.callCount == 2)
        #expect(try await off.wouldAnswerFromCache(Self.prompt) == false)
    }

    @Test("the caching judge: a repeated prompt costs no call; another judge identity does; a failed write still answers")
    func cachingJudge() async throws {
        let store = MemoryStore()
        let stub = StubJudge(name: "stub/a") { _ in Self.verdict }
        let judge = CachingJudge(stub, cache: store)
        #expect(try await judge.wouldAnswerFromCache(Self.prompt) == false)
        let first = try await judge.judge(Self.prompt)
        #expect(!first.cached && stub.callCount == 1)
        #expect(try await judge.wouldAnswerFromCache(Self.prompt))
        let second = try await judge.judge(Self.prompt)
        #expect(second.cached && second.scores == first.scores && stub.callCount == 1)

        let otherStub = StubJudge(name: "stub/b") { _ in Self.verdict }
        let other = CachingJudge(otherStub, cache: store)
        #expect(other.key(for: Self.prompt) != judge.key(for: Self.prompt))
        _ = try await other.judge(Self.prompt)
        #expect(otherStub.callCount == 1)

        let failing = MemoryStore(failWrites: true)
        let unstored = StubJudge { _ in Self.verdict }
        let failingJudge = CachingJudge(unstored, cache: failing)
        for _ in 0..<3 { #expect(try await failingJudge.judge(Self.prompt).scores == Self.verdict.scores) }
        #expect(unstored.callCount == 3 && failing.statistics.storeFailures == 3)
    }
}
