/// How a run uses the judge cache.
public enum CacheMode: String, Sendable, CaseIterable {
    /// Answer from the cache when possible; store new answers.
    case readwrite
    /// Answer from the cache when possible; store nothing.
    case read
    /// Never answer from the cache; store new answers (refreshes entries).
    case write
    /// No cache at all.
    case off

    package var reads: Bool { self == .readwrite || self == .read }
    package var writes: Bool { self == .readwrite || self == .write }
}
