import GavelCore
import GavelJSON
import GavelJudge
import GavelSupport
import Logging

/// A judge that answers from a cache store when it can and stores what its inner judge answers.
public final class CachingJudge: Judge {
    public let inner: any Judge
    public let cache: any JudgeCacheStore
    private let logger: Logger
    /// The inner judge's identity digest; its settings do not change during a run.
    public let identityDigest: String
    private let storeFailureLogged = AtomicFlag()

    public init(_ inner: any Judge, cache: any JudgeCacheStore, logger: Logger = Logger(label: "gavel.cache")) {
        self.inner = inner
        self.cache = cache
        self.logger = logger
        self.identityDigest = JudgeCache.identityDigest(inner.cacheIdentity)
    }

    /// The cache key of a prompt for this judge.
    public func key(for prompt: JudgePrompt) -> String {
        JudgeCache.key(identityDigest: identityDigest, prompt: prompt)
    }

    public var name: String { inner.name }
    public var cacheIdentity: JSONValue { inner.cacheIdentity }
    public var callStatistics: JudgeStatistics? { inner.callStatistics }

    public func wouldAnswerFromCache(_ prompt: JudgePrompt) async throws -> Bool {
        guard cache.mode.reads else { return false }
        return await cache.lookup(key(for: prompt), count: prompt.ids.count) != nil
    }

    public func judge(_ prompt: JudgePrompt) async throws -> JudgeVerdict {
        guard cache.mode != .off else { return try await inner.judge(prompt) }
        let key = key(for: prompt)
        if cache.mode.reads, let hit = await cache.lookup(key, count: prompt.ids.count) {
            return hit
        }
        let verdict = try await inner.judge(prompt)
        if cache.mode.writes {
            do {
                try await cache.store(key, verdict: verdict, judge: inner.name, identityDigest: identityDigest)
            } catch {
                // Once per run: the summary counts the rest ("answers not stored").
                if !storeFailureLogged.exchange(true) {
                    logger.warning("could not store a cache entry (further failures are counted, not logged): \(error)")
                }
            }
        }
        return verdict
    }
}
