/// A failure to complete an HTTP exchange: connection, timeout, TLS, size or cancellation.
///
/// The description names the host and what went wrong; it never contains request headers
/// (they carry API keys) nor the URL's query string.
public struct TransportError: Error, Sendable, CustomStringConvertible, Hashable {
    private enum Code: Sendable, Hashable {
        case connectionRefused
        case couldNotResolve
        case timeout
        case tls
        case responseTooLarge
        case cancelled
        case connectionLost
        case invalidRequest
        case shutDown
        case other(Int)
    }

    private let code: Code
    /// Human-readable detail, free of secrets.
    public let detail: String

    private init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// Errors of the same kind are equal, whatever their detail.
    public static func == (lhs: TransportError, rhs: TransportError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public static let connectionRefused = TransportError(.connectionRefused, "")
    public static let couldNotResolve = TransportError(.couldNotResolve, "")
    public static let timeout = TransportError(.timeout, "")
    public static let tls = TransportError(.tls, "")
    public static let responseTooLarge = TransportError(.responseTooLarge, "")
    public static let cancelled = TransportError(.cancelled, "")
    public static let connectionLost = TransportError(.connectionLost, "")
    public static let invalidRequest = TransportError(.invalidRequest, "")
    public static let shutDown = TransportError(.shutDown, "")

    public static func connectionRefused(_ d: String) -> TransportError { .init(.connectionRefused, d) }
    public static func couldNotResolve(_ d: String) -> TransportError { .init(.couldNotResolve, d) }
    public static func timeout(_ d: String) -> TransportError { .init(.timeout, d) }
    public static func tls(_ d: String) -> TransportError { .init(.tls, d) }
    public static func responseTooLarge(_ d: String) -> TransportError { .init(.responseTooLarge, d) }
    public static func cancelled(_ d: String) -> TransportError { .init(.cancelled, d) }
    public static func connectionLost(_ d: String) -> TransportError { .init(.connectionLost, d) }
    public static func invalidRequest(_ d: String) -> TransportError { .init(.invalidRequest, d) }
    public static func shutDown(_ d: String) -> TransportError { .init(.shutDown, d) }
    public static func other(_ curlCode: Int, _ d: String) -> TransportError { .init(.other(curlCode), d) }

    /// Whether trying the same request again may succeed (timeouts and lost connections).
    public var isRetryable: Bool {
        switch code {
        case .timeout, .connectionLost, .connectionRefused: return true
        default: return false
        }
    }

    /// A short machine-friendly name of the failure kind.
    public var kind: String {
        switch code {
        case .connectionRefused: return "connection_refused"
        case .couldNotResolve: return "dns"
        case .timeout: return "timeout"
        case .tls: return "tls"
        case .responseTooLarge: return "too_large"
        case .cancelled: return "cancelled"
        case .connectionLost: return "connection_lost"
        case .invalidRequest: return "invalid_request"
        case .shutDown: return "shut_down"
        case .other(let c): return "curl_\(c)"
        }
    }

    public var description: String {
        let what: String
        switch code {
        case .connectionRefused: what = "connection refused"
        case .couldNotResolve: what = "could not resolve host"
        case .timeout: what = "timed out"
        case .tls: what = "TLS failure"
        case .responseTooLarge: what = "response too large"
        case .cancelled: what = "cancelled"
        case .connectionLost: what = "connection lost"
        case .invalidRequest: what = "invalid request"
        case .shutDown: what = "transport shut down"
        case .other(let c): what = "transfer failed (curl code \(c))"
        }
        return detail.isEmpty ? what : "\(what): \(detail)"
    }
}
