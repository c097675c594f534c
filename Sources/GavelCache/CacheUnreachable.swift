/// The cache database could not be reached at the start of a run (exit status 3).
public struct CacheUnreachable: Error, Sendable, CustomStringConvertible {
    public let description: String
    package init(_ description: String) { self.description = description }
}
