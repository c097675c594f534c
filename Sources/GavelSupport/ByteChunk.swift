import Foundation

/// A run of bytes: owned, or borrowed (from a worker's shared region, say) until `release()` (or
/// deinit), after which the lender may reuse that memory.
///
/// Borrowing lets the output sink write a worker's result straight from shared memory, without
/// the coordinating process copying a gigabyte of output for nothing.
public final class ByteChunk: @unchecked Sendable {
    private let owned: [UInt8]
    private let borrowed: UnsafeRawPointer?
    /// Bytes in the chunk.
    public let count: Int
    private let lock = NSLock()
    private var onRelease: (@Sendable () -> Void)?

    /// A chunk that owns its bytes.
    public init(_ bytes: [UInt8]) {
        owned = bytes
        borrowed = nil
        count = bytes.count
    }

    /// A chunk that borrows `count` bytes at `pointer` until released.
    public init(borrowing pointer: UnsafeRawPointer, count: Int, onRelease: @escaping @Sendable () -> Void) {
        owned = []
        borrowed = pointer
        self.count = count
        self.onRelease = onRelease
    }

    deinit { release() }

    /// Calls `body` with the bytes; valid only before `release()`.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if let borrowed { return try body(UnsafeRawBufferPointer(start: borrowed, count: count)) }
        return try owned.withUnsafeBytes(body)
    }

    /// A copy of the bytes.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Gives borrowed memory back; later calls do nothing.
    public func release() {
        lock.lock()
        let action = onRelease
        onRelease = nil
        lock.unlock()
        action?()
    }
}
