import GavelHTTP

/// Why a judge call was tried again: the run summary counts retries by cause.
public enum RetryCause: Hashable, Sendable, CustomStringConvertible {
    /// The answer named the wrong trajectory ids.
    case wrongIDs
    /// The answer's scores were outside 0–1 in a way that cannot be rescaled.
    case outOfRange
    /// The answer was not the JSON asked for.
    case malformed
    /// HTTP 429: the judge's rate limit.
    case rateLimited
    /// HTTP 408: the judge timed the request out.
    case requestTimeout
    /// HTTP 5xx.
    case serverError
    /// The exchange failed below HTTP: a timeout, a lost or refused connection.
    case transport(TransportError)
    /// The judge rejected the structured-output mode, so Gavel stepped down to a simpler one.
    case schemaFallback
    /// The judge rejected a request parameter, so Gavel dropped or renamed it.
    case unsupportedParameter
    /// The answer hit the output-token cap Gavel set; asked again with twice the cap.
    case truncated

    /// The short name printed in the summary (`429`, `timeout`, `wrong_ids`, ...).
    public var description: String {
        switch self {
        case .wrongIDs: return "wrong_ids"
        case .outOfRange: return "out_of_range"
        case .malformed: return "malformed"
        case .rateLimited: return "429"
        case .requestTimeout: return "408"
        case .serverError: return "5xx"
        case .transport(let error): return error.kind
        case .schemaFallback: return "schema_fallback"
        case .unsupportedParameter: return "unsupported_parameter"
        case .truncated: return "truncated"
        }
    }
}
