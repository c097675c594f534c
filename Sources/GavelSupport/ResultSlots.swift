/// Write-once slots filled from several threads, each slot by exactly one thread.
package final class ResultSlots<R>: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<Result<R, any Error>?>

    package init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
    }

    /// Sets slot `i`; distinct slots are distinct memory, so threads never share a write.
    package func set(_ i: Int, _ r: Result<R, any Error>) { slots[i] = r }

    /// The slots, read after every writer has finished (`concurrentPerform` joins them).
    package func values() -> [Result<R, any Error>] { slots.map { $0 ?? .failure(CancellationError()) } }
}
