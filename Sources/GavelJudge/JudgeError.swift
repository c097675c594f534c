import GavelCore

/// Why a group could not be judged. Fatal kinds stop the whole run; the others fail one group.
public struct JudgeError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case unauthorized
        case badRequest
        case unreachable
        case gaveUp
        case cancelled
        case contextTooLong
        case timedOut
        case costLimit
    }

    private let code: Code
    public let description: String
    /// The setting to change, when one is to blame (the key variable, the trusted CA).
    public let setting: Setting?

    private init(_ code: Code, _ description: String, setting: Setting? = nil) {
        self.code = code
        self.description = description
        self.setting = setting
    }

    /// The judge refused the key (401/403).
    static func unauthorized(_ d: String) -> JudgeError { .init(.unauthorized, d, setting: .apiKeyEnv) }
    /// The judge refused the prompt as longer than its context: the group can be judged in windows.
    static func contextTooLong(_ d: String) -> JudgeError { .init(.contextTooLong, d) }
    /// The judge's TLS certificate is not trusted (or the handshake failed).
    static func untrusted(_ d: String) -> JudgeError { .init(.unreachable, d, setting: .caCertificate) }
    /// The judge refused the request for a reason retries cannot fix.
    static func badRequest(_ d: String) -> JudgeError { .init(.badRequest, d) }
    /// The judge cannot be reached at all (DNS, TLS, refused after retries).
    static func unreachable(_ d: String) -> JudgeError { .init(.unreachable, d) }
    /// Retries ran out for this group.
    package static func gaveUp(_ d: String) -> JudgeError { .init(.gaveUp, d) }
    package static func cancelled(_ d: String) -> JudgeError { .init(.cancelled, d) }
    static func timedOut(_ d: String) -> JudgeError { .init(.timedOut, d) }
    /// The next call would pass the run's spending limit: the run stops starting calls.
    static func costLimit(_ d: String) -> JudgeError { .init(.costLimit, d, setting: .maxCost) }

    /// Whether the run must stop: every other group would fail the same way.
    public var isFatal: Bool { code == .unauthorized || code == .badRequest || code == .unreachable || code == .costLimit }
    /// Whether the run's spending limit stopped it (exit status 1, not 3).
    public var isCostLimit: Bool { code == .costLimit }
    /// Whether the judge is unreachable or refuses the key (exit status 3).
    public var isAccessProblem: Bool { code == .unauthorized || code == .unreachable }
    public var isCancellation: Bool { code == .cancelled }
    /// Whether the judge refused the prompt as too long for its context (not fatal: smaller windows fit).
    public var isContextTooLong: Bool { code == .contextTooLong }
    /// The judge kept timing out (the transport's timeout or HTTP 408) until the retries ran out.
    public var isTimeout: Bool { code == .timedOut }
}
