import GavelHTTP
import GavelSupport
import Synchronization

/// One request's life across threads: the awaiting task, its cancellation, and the curl thread.
///
/// The state machine makes cancellation safe whichever side comes first.
final class CurlTransfer: Sendable {
    private enum State {
        case initial
        case submitted(CheckedContinuation<HTTPResponse, any Error>)
        case cancelledEarly
        case finished
    }

    let request: HTTPRequest
    private let state = Mutex<State>(.initial)

    init(request: HTTPRequest) { self.request = request }

    /// Records the continuation; returns false (and resumes it with `cancelled`) if the task was already cancelled.
    func attach(_ continuation: CheckedContinuation<HTTPResponse, any Error>) -> Bool {
        let cancelled = state.withLock { state -> Bool in
            if case .cancelledEarly = state { state = .finished; return true }
            state = .submitted(continuation)
            return false
        }
        if cancelled { continuation.resume(throwing: TransportError.cancelled("the task was cancelled")) }
        return !cancelled
    }

    /// Marks the transfer cancelled; returns true if it was already handed to the curl thread.
    func markCancelled() -> Bool {
        state.withLock { state -> Bool in
            switch state {
            case .initial: state = .cancelledEarly; return false
            case .submitted: return true
            case .cancelledEarly, .finished: return false
            }
        }
    }

    /// Resumes the awaiting task once; later calls do nothing.
    func finish(_ result: Result<HTTPResponse, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<HTTPResponse, any Error>? in
            guard case .submitted(let c) = state else { return nil }
            state = .finished
            return c
        }
        continuation?.resume(with: result)
    }
}
