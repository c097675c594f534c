import Logging

/// A judge that answers from the disk cache when it can and stores what its inner judge answers.
public final class CachingJudge: Judge {
    public let inner: any Judge
    public let cache: JudgeCache
    private let logger: Logger

    public init(_ inner: any Judge, cache: JudgeCache, logger: Logger = Logger(label: "gavel.cache")) {
        self.inner = inner
        self.cache = cache
        self.logger = logger
    }

    public var name: String { inner.name }
    public var cacheIdentity: JSONValue { inner.cacheIdentity }

    public func judge(_ prompt: JudgePrompt) async throws -> JudgeVerdict {
        guard cache.mode != .off else { return try await inner.judge(prompt) }
        let identity = inner.cacheIdentity
        let key = JudgeCache.key(identity: identity, prompt: prompt)
        let cache = self.cache
        let count = prompt.ids.count
        if cache.mode.reads, let hit = try await offload({ cache.lookup(key, count: count) }) {
            return hit
        }
        let verdict = try await inner.judge(prompt)
        if cache.mode.writes {
            let name = inner.name
            do {
                try await offload { try cache.store(key, verdict: verdict, judge: name, identity: identity) }
            } catch {
                logger.warning("could not store a cache entry: \(error)")
            }
        }
        return verdict
    }
}
