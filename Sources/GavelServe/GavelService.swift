import Foundation
import Gavel
import GavelHTTP
import GavelJSON
import GavelSupport
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// `gavel serve`: a ranking service every rollout worker of a training job shares — one judge,
/// one cache, one concurrency limit and one requests/tokens-per-minute budget for all of them.
///
/// Routes: `POST /v1/rank` (one group), `POST /v1/rank/many` (several; JSON Lines as each finishes
/// with `"stream": true`), `GET /healthz`, `GET /metrics` (Prometheus text). Errors are JSON with a
/// stable `code` (see `ServiceError`). SIGTERM or SIGINT: no new connections, the requests in flight
/// are answered, the cache's run log is written, and `serve` returns.
public final class GavelService: Sendable {
    public let configuration: ServeConfiguration
    /// The ranking run all requests go through.
    let run: RankRun
    let metrics: ServiceMetrics
    private let queued = Atomic<Int>(0)
    private let logger: Logger

    /// Builds the service and its ranking run; refuses a non-loopback address without a token.
    /// `transport` replaces libcurl for judge calls (route tests in memory).
    public init(
        configuration: ServeConfiguration, logger: Logger = Logger(label: "gavel.serve"), transport: (any HTTPTransport)? = nil
    ) throws(ServeFailure) {
        if let token = configuration.authToken, token.isEmpty { throw .configuration("the bearer token is empty") }
        guard configuration.listensOnLoopback || configuration.authToken != nil else {
            throw .configuration(
                "listening on \(configuration.host) lets other machines in: give a bearer token with --auth-token-env NAME, "
                    + "or listen on 127.0.0.1")
        }
        guard configuration.maxBodyBytes >= 1024 else { throw .configuration("the body limit must be at least 1024 bytes") }
        guard configuration.maxQueuedGroups >= 1 else { throw .configuration("the queue must hold at least one group") }
        self.configuration = configuration
        self.logger = logger
        let metrics = ServiceMetrics()
        self.metrics = metrics
        do {
            run = try RankRun(
                configuration: configuration.rank, logger: logger,
                onJudgeExchange: { metrics.judgeLatency.recordSeconds($0.seconds) }, transport: transport)
        } catch {
            throw .run(error)
        }
    }

    /// The judge as answers name it.
    public var judgeName: String { run.judgeName }

    /// Serves until SIGTERM or SIGINT; `onListening` gets the address and port once connections are accepted.
    public func serve(onListening: @escaping @Sendable (_ host: String, _ port: Int) -> Void = { _, _ in }) async throws(ServeFailure) {
        do { try await run.start() } catch { throw .run(error) }
        let host = configuration.host, port = configuration.port
        let listening = Atomic<Bool>(false)
        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(host, port: port), serverName: "gavel"),
            onServerRunning: { channel in
                listening.store(true, ordering: .relaxed)
                onListening(host, channel.localAddress?.port ?? 0)
            },
            logger: logger)
        do {
            var services = [ServiceGroupConfiguration.ServiceConfiguration(service: app)]
            if configuration.stopWhenStandardInputCloses {
                services.append(.init(service: StandardInputLifeline(), successTerminationBehavior: .gracefullyShutdownGroup))
            }
            let group = ServiceGroup(
                configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        } catch {
            await run.finish()
            // Never listening is a setting to change (the port is taken, the address is not this machine's).
            guard listening.load(ordering: .relaxed) else { throw .configuration("cannot listen on \(host):\(port): \(error)") }
            throw .server("the server stopped: \(error)")
        }
        await run.finish()
    }

    /// The routes, behind the JSON-error and token middlewares.
    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ErrorMiddleware(metrics: metrics, limit: configuration.maxBodyBytes))
        if let token = configuration.authToken { router.add(middleware: BearerTokenMiddleware(token: token)) }
        router.get("/healthz") { _, _ in
            Self.json(.object(JSONObject(pairs: ["status": .string("ok"), "judge": .string(self.judgeName)])))
        }
        router.get("/metrics") { _, _ in
            let text = self.metrics.exposition(
                judge: self.run.judgeStatistics, cache: self.run.cacheStatistics, spending: self.run.spending)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
        router.post("/v1/rank") { request, _ in try await self.rankOne(request) }
        router.post("/v1/rank/many") { request, _ in try await self.rankMany(request) }
        return router
    }

    // MARK: Routes

    private func rankOne(_ request: Request) async throws(ServiceError) -> Response {
        let start = ContinuousClock.now
        let object = try await parsedBody(of: request)
        let group = try GroupRequest.group(object, path: "$", referencePath: run.referencePath)
        try admit(1)
        defer { leave(1) }
        switch await rank(group) {
        case .success(let answer):
            var response = Self.json(.object(answer.object))
            // What the judge took and what the whole request took in here: the service's own share is the difference.
            let total = (ContinuousClock.now - start).seconds
            response.headers[Self.serverTiming] = String(
                format: "judge;dur=%.3f, total;dur=%.3f", answer.ranking.judgeSeconds * 1000, total * 1000)
            return response
        case .failure(let error): throw error
        }
    }

    private func rankMany(_ request: Request) async throws(ServiceError) -> Response {
        let object = try await parsedBody(of: request)
        let defaults = try GroupRequest.settings(object, path: "$", defaults: .init())
        guard let list = object["groups"], !list.isNull else {
            throw .invalidRequest("expected \"groups\": an array of {\"trajectories\": [...]} objects", path: "$.groups")
        }
        guard case .array(let items) = list else {
            throw .invalidRequest("\"groups\" must be an array, found \(list.typeName)", path: "$.groups")
        }
        guard !items.isEmpty else { throw .invalidRequest("\"groups\" is empty", path: "$.groups") }
        // Every group is checked before any is judged: a bad request costs no judge calls.
        var groups: [GroupRequest] = []
        for (i, item) in items.enumerated() {
            guard case .object(let g) = item else {
                throw .invalidRequest("expected a group object, found \(item.typeName)", path: "$.groups[\(i)]")
            }
            groups.append(try GroupRequest.group(g, path: "$.groups[\(i)]", defaults: defaults, referencePath: run.referencePath))
        }
        try admit(groups.count)
        let count = groups.count, all = groups
        if defaults.stream {
            // JSON Lines, one per group as it finishes, each with its index in the request. The groups are
            // judged by a task of their own that holds the queue places until the last one is done, so a
            // client that goes away mid-answer neither leaks places nor wastes calls (answers are cached).
            let (lines, continuation) = AsyncStream<ByteBuffer>.makeStream()
            Task {
                await self.rankAll(all) { _, result in
                    var line = JSONWriter.encode(.object(result))
                    line.append(UInt8(ascii: "\n"))
                    continuation.yield(ByteBuffer(bytes: line))
                }
                self.leave(count)
                continuation.finish()
            }
            return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: ResponseBody(asyncSequence: lines))
        }
        defer { leave(count) }
        var results = [JSONValue](repeating: .null, count: count)
        await rankAll(all) { i, result in results[i] = .object(result) }
        return Self.json(.object(JSONObject(pairs: ["results": .array(results)])))
    }

    /// Ranks `groups` at once, handing each one's answer or error, with its `index` in the request
    /// first, to `deliver` as it finishes.
    private func rankAll(_ groups: [GroupRequest], deliver: (_ index: Int, _ answer: JSONObject) -> Void) async {
        await withTaskGroup(of: (Int, Result<GroupAnswer, ServiceError>).self) { tasks in
            for (i, group) in groups.enumerated() { tasks.addTask { (i, await self.rank(group)) } }
            for await (i, result) in tasks {
                var o: JSONObject
                switch result {
                case .success(let answer): o = answer.object
                case .failure(let error): o = error.object
                }
                o.members.insert(.init("index", .int(i)), at: 0)
                deliver(i, o)
            }
        }
    }

    /// Ranks one group through the run, timing it and counting how it ended.
    private func rank(_ group: GroupRequest) async -> Result<GroupAnswer, ServiceError> {
        let start = ContinuousClock.now
        defer { metrics.groupLatency.recordSeconds((ContinuousClock.now - start).seconds) }
        do {
            let ranking = try await run.rankGroup(
                group.trajectories, rubric: group.rubric, samples: group.samples, advantage: group.advantage,
                references: group.references)
            metrics.group(result: ranking.cached ? "cached" : "ranked")
            return .success(GroupAnswer(ranking: ranking, judge: run.judgeName))
        } catch {
            let answer: ServiceError
            switch error {
            case .rubric(let m): answer = .unknownRubric(m, path: group.rubricPath)
            case .setting(let m): answer = .invalidSetting(m, path: nil)
            case .judge(let e) where e.isTimeout: answer = .judgeTimeout("the judge timed out: \(e.description)")
            case .judge(let e) where e.isCostLimit:
                let window = run.spending?.secondsLeftInWindow
                answer = .costLimit(
                    "the service's spending limit is reached (gavel serve --max-cost): \(e.description)"
                        + (window.map { String(format: "; the next window begins in %.0f s", $0) } ?? ""),
                    retryAfter: window)
            case .judge(let e): answer = .judgeFailed("the judge could not rank the group: \(e.description)")
            }
            metrics.group(result: answer.code)
            return .failure(answer)
        }
    }

    // MARK: Body, queue

    /// The request body as one JSON object; 413 past the limit, parsed off the cooperative pool when large.
    private func parsedBody(of request: Request) async throws(ServiceError) -> JSONObject {
        let limit = configuration.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit { throw .bodyTooLarge(limit: limit) }
        var request = request
        let bytes: [UInt8]
        do {
            bytes = Array(try await request.collectBody(upTo: limit).readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw .bodyTooLarge(limit: limit)
        } catch is NIOTooManyBytesError {
            // A chunked body has no length up front: it is refused when it passes the limit.
            throw .bodyTooLarge(limit: limit)
        } catch {
            throw .invalidRequest("cannot read the request body: \(error)", path: "$")
        }
        guard bytes.count > 256 << 10 else { return try GroupRequest.object(from: bytes) }
        do {
            return try await offload { () throws -> JSONObject in try GroupRequest.object(from: bytes) }
        } catch let error as ServiceError {
            throw error
        } catch {
            throw .internalError("\(error)")
        }
    }

    /// Takes `n` places in the queue, or answers 429 if they are not free.
    private func admit(_ n: Int) throws(ServiceError) {
        let limit = configuration.maxQueuedGroups
        let (exchanged, _) = queued.compareExchangeIfFits(adding: n, limit: limit)
        guard exchanged else { throw .queueFull(limit: limit) }
        metrics.queued.increment(by: Double(n))
    }

    private func leave(_ n: Int) {
        queued.subtract(n, ordering: .relaxed)
        metrics.queued.decrement(by: Double(n))
    }

    // MARK: JSON

    static func json(_ value: JSONValue) -> Response {
        var body = JSONWriter.encode(value)
        body.append(UInt8(ascii: "\n"))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// `Server-Timing` (W3C): durations in milliseconds that clients and browsers read.
    static let serverTiming: HTTPField.Name = {
        guard let name = HTTPField.Name("Server-Timing") else { preconditionFailure("Server-Timing is a valid field name") }
        return name
    }()
}

extension Atomic where Value == Int {
    /// Adds `n` if the sum stays within `limit`; returns whether it did.
    fileprivate func compareExchangeIfFits(adding n: Int, limit: Int) -> (Bool, Int) {
        var current = load(ordering: .relaxed)
        while current + n <= limit {
            let (done, found) = compareExchange(expected: current, desired: current + n, ordering: .relaxed)
            if done { return (true, current + n) }
            current = found
        }
        return (false, current)
    }
}
