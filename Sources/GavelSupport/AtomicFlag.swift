import Synchronization

/// A flag set once, from any thread.
public final class AtomicFlag: Sendable {
    public init() {}
    private let value = Mutex(false)
    /// Sets the flag; returns what it was.
    public func exchange(_ new: Bool) -> Bool {
        value.withLock { v in
            defer { v = new }; return v
        }
    }
}
