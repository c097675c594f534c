import Hummingbird

/// Lets a request through only with `Authorization: Bearer TOKEN` (compared in constant time).
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            Self.equal(Array(header.utf8.dropFirst(7)), Array(token.utf8))
        else { throw ServiceError.unauthorized }
        return try await next(request, context)
    }

    /// Compares without stopping at the first difference, so timing tells nothing of the token.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) { diff |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0) }
        return diff == 0
    }
}
