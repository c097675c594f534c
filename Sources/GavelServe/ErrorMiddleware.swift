import Hummingbird

/// Answers every error as JSON with a stable code (the router's own 404 and 405 too), and counts
/// each request by route and status.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics
    /// The body limit, for the answer to a body the server refused as too large.
    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let route = Self.route(request.uri.path)
        do {
            let response = try await next(request, context)
            metrics.request(route: route, status: response.status.code)
            return response
        } catch let error as ServiceError {
            metrics.request(route: route, status: error.status.code)
            throw error
        } catch let error as HTTPError {
            let answer: ServiceError
            switch error.status {
            case .notFound: answer = .notFound("no route \(request.method) \(request.uri.path)")
            case .methodNotAllowed: answer = .methodNotAllowed("\(request.method) is not allowed on \(request.uri.path)")
            case .contentTooLarge: answer = .bodyTooLarge(limit: limit)
            default: answer = .internalError(error.body ?? "HTTP \(error.status.code)")
            }
            metrics.request(route: route, status: answer.status.code)
            throw answer
        } catch {
            metrics.request(route: route, status: 500)
            throw ServiceError.internalError("\(error)")
        }
    }

    /// The route a path counts under (unknown paths together, so metrics stay small).
    static func route(_ path: String) -> String {
        ["/v1/rank", "/v1/rank/many", "/healthz", "/metrics"].contains(path) ? path : "other"
    }
}
