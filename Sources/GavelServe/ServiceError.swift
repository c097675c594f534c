import GavelJSON
import Hummingbird

/// An error answer of the service: an HTTP status and a stable machine-readable `code`, with a
/// message for people and, for bad input, the JSON path of the problem. Clients branch on `code`.
public struct ServiceError: Error, Sendable, CustomStringConvertible, HTTPResponseError {
    private enum Code: String, Sendable {
        case invalidJSON = "invalid_json"
        case invalidRequest = "invalid_request"
        case missingTrajectories = "missing_trajectories"
        case emptyGroup = "empty_group"
        case invalidTrajectory = "invalid_trajectory"
        case unknownRubric = "unknown_rubric"
        case invalidSetting = "invalid_setting"
        case unauthorized
        case notFound = "not_found"
        case methodNotAllowed = "method_not_allowed"
        case bodyTooLarge = "body_too_large"
        case queueFull = "queue_full"
        case judgeFailed = "judge_failed"
        case judgeTimeout = "judge_timeout"
        case costLimit = "cost_limit"
        case internalError = "internal"

        var status: HTTPResponse.Status {
            switch self {
            case .invalidJSON, .invalidRequest, .missingTrajectories, .emptyGroup, .invalidTrajectory, .unknownRubric, .invalidSetting:
                return .badRequest
            case .unauthorized: return .unauthorized
            case .notFound: return .notFound
            case .methodNotAllowed: return .methodNotAllowed
            case .bodyTooLarge: return .contentTooLarge
            case .queueFull: return .tooManyRequests
            case .judgeFailed: return .badGateway
            case .judgeTimeout: return .gatewayTimeout
            case .costLimit: return .init(code: 402, reasonPhrase: "Payment Required")
            case .internalError: return .internalServerError
            }
        }
    }

    private let kind: Code
    public let message: String
    /// Where in the request body the problem is (`$.trajectories[2].messages`), for bad input.
    public let path: String?
    /// Seconds until asking again can succeed (`Retry-After`), where known.
    let retryAfter: Int?

    private init(_ kind: Code, _ message: String, path: String? = nil, retryAfter: Int? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
        self.retryAfter = retryAfter
    }

    static func invalidJSON(_ m: String) -> ServiceError { .init(.invalidJSON, m, path: "$") }
    static func invalidRequest(_ m: String, path: String) -> ServiceError { .init(.invalidRequest, m, path: path) }
    static func missingTrajectories(path: String) -> ServiceError {
        .init(.missingTrajectories, "expected \"trajectories\": an array of ART or OpenAI-chat trajectories", path: path)
    }
    static func emptyGroup(path: String) -> ServiceError { .init(.emptyGroup, "the group has no trajectories", path: path) }
    static func invalidTrajectory(_ m: String, path: String) -> ServiceError { .init(.invalidTrajectory, m, path: path) }
    static func unknownRubric(_ m: String, path: String?) -> ServiceError { .init(.unknownRubric, m, path: path) }
    static func invalidSetting(_ m: String, path: String?) -> ServiceError { .init(.invalidSetting, m, path: path) }
    static let unauthorized = ServiceError(.unauthorized, "a valid bearer token is required (Authorization: Bearer TOKEN)")
    static func notFound(_ m: String) -> ServiceError { .init(.notFound, m) }
    static func methodNotAllowed(_ m: String) -> ServiceError { .init(.methodNotAllowed, m) }
    static func bodyTooLarge(limit: Int) -> ServiceError {
        .init(.bodyTooLarge, "the request body is larger than the service's limit of \(limit) bytes (gavel serve --max-body)")
    }
    static func queueFull(limit: Int) -> ServiceError {
        .init(.queueFull, "the service has \(limit) groups queued (gavel serve --max-queue); retry after a moment")
    }
    static func judgeFailed(_ m: String) -> ServiceError { .init(.judgeFailed, m) }
    static func judgeTimeout(_ m: String) -> ServiceError { .init(.judgeTimeout, m) }
    /// The service's spending limit (`gavel serve --max-cost`) is reached; with a window, when the next begins.
    static func costLimit(_ m: String, retryAfter: Double?) -> ServiceError {
        .init(.costLimit, m, retryAfter: retryAfter.map { max(1, Int($0.rounded(.up))) })
    }
    static func internalError(_ m: String) -> ServiceError { .init(.internalError, m) }

    /// The stable code clients branch on (`empty_group`, `queue_full`, ...).
    public var code: String { kind.rawValue }
    public var status: HTTPResponse.Status { kind.status }
    public var description: String { "\(code): \(message)" + (path.map { " at \($0)" } ?? "") }

    /// The body of the error answer: `{"error": {"code", "message", "path"?}}`.
    public var object: JSONObject {
        var error = JSONObject()
        error["code"] = .string(code)
        error["message"] = .string(message)
        if let path { error["path"] = .string(path) }
        return JSONObject([.init("error", .object(error))])
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if kind == .queueFull { headers[.retryAfter] = "1" }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if kind == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        var body = JSONWriter.encode(.object(object))
        body.append(UInt8(ascii: "\n"))
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
