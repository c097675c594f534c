import Dispatch

/// Runs blocking work (file reads) on a Dispatch queue instead of the cooperative thread pool.
public func offload<T: Sendable>(_ body: @Sendable @escaping () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async {
            continuation.resume(with: Result { try body() })
        }
    }
}
