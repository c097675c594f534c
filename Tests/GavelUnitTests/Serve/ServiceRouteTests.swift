import Foundation
import GavelJSON
import GavelTesting
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import Gavel
@testable import GavelServe

/// `gavel serve`'s routes in memory: requests go straight to its router's responder (middlewares
/// included) on an embedded channel, and judge calls to the simulator's logic through
/// `SimulatorTransport` — no socket, no subprocess, no clock. The subprocess suite keeps what only
/// a live server shows (signals, connections, the listening address).
@Suite("gavel serve's routes, in memory")
struct ServiceRouteTests {
    /// A service on an in-memory judge, its responder, and a folder for its cache.
    final class Harness {
        let service: GavelService
        let responder: RouterResponder<BasicRequestContext>
        let judge: SimulatorTransport
        let folder: TempDir
        let channel = EmbeddedChannel()

        init(
            _ simulator: SimulatorConfiguration = .init(), maxRetries: Int = 0, _ configure: (inout ServeConfiguration) -> Void = { _ in }
        ) async throws {
            folder = try TempDir()
            var rank = RankConfiguration(inputs: [], environment: [:])
            rank.judge = "openai/sim-judge"
            rank.apiBase = "http://judge.invalid/v1"
            rank.environment = ["OPENAI_API_KEY": "sk-test"]
            rank.cacheDirectory = folder.path("cache")
            rank.judgeSettings.maxRetries = maxRetries
            var configuration = ServeConfiguration(rank: rank)
            configure(&configuration)
            judge = SimulatorTransport(configuration: simulator)
            service = try GavelService(configuration: configuration, logger: Logger(label: "test"), transport: judge)
            try await service.run.start()
            responder = service.makeRouter().buildResponder()
        }

        func shutdown() async { await service.run.finish() }

        /// Sends one request; the answer's status, headers and body text.
        func send(
            _ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, headers: HTTPFields = [:]
        ) async throws -> (status: Int, headers: HTTPFields, body: String) {
            var fields = headers
            if body != nil { fields[.contentType] = "application/json" }
            let head = HTTPRequest(method: method, scheme: "http", authority: "127.0.0.1", path: path, headerFields: fields)
            let request = Request(head: head, body: RequestBody(buffer: ByteBuffer(string: body ?? "")))
            let context = BasicRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: Logger(label: "test")))
            let response = try await responder.respond(to: request, context: context)
            let collector = Collector()
            try await response.body.write(collector)
            return (response.status.code, response.headers, String(decoding: collector.bytes, as: UTF8.self))
        }

        func json(_ method: HTTPRequest.Method, _ path: String, _ body: String? = nil) async throws -> (Int, JSONValue) {
            let (status, _, text) = try await send(method, path, body)
            return (status, try JSONParser.parse(Array(text.utf8)))
        }
    }

    /// Collects a response body.
    final class Collector: ResponseBodyWriter {
        var bytes: [UInt8] = []
        func write(_ buffer: ByteBuffer) async throws { bytes += buffer.readableBytesView }
        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    static func group(_ tag: String, size: Int = 3) -> String {
        let trajectories = (0..<size).map { i in
            #"{"messages_and_choices":[{"role":"user","content":"task \#(tag)"},{"role":"assistant","content":"answer \#(i) of \#(tag)"}]}"#
        }
        return #"{"trajectories":[\#(trajectories.joined(separator: ","))]}"#
    }

    @Test("POST /v1/rank: one score per trajectory in order, ranks 1…n; the same group again is cached, no judge call")
    func rankAndCache() async throws {
        let h = try await Harness()
        let (status, answer) = try await h.json(.post, "/v1/rank", Self.group("a"))
        #expect(status == 200)
        let scores = try #require(answer["scores"]?.arrayValue)
        #expect(scores.count == 3 && answer["cached"] == .bool(false) && answer["judge"] == .string("openai/sim-judge"))
        #expect(Set(scores.compactMap { $0["rank"]?.intValue }) == [1, 2, 3])
        let (again, cached) = try await h.json(.post, "/v1/rank", Self.group("a"))
        #expect(again == 200 && cached["cached"] == .bool(true) && cached["scores"] == answer["scores"])
        #expect(h.judge.stats.snapshot.requests == 1)
        await h.shutdown()
    }

    @Test("bad requests: 400 with a stable code and the JSON path, and no judge call")
    func badRequests() async throws {
        let h = try await Harness()
        for (body, code, path) in [
            ("{not json", "invalid_json", "$"),
            (#"{"rubric":"x"}"#, "missing_trajectories", "$.trajectories"),
            (#"{"trajectories":[]}"#, "empty_group", "$.trajectories"),
            (#"{"groups":[\#(Self.group("b")),{"trajectories":[7]}]}"#, "invalid_trajectory", "$.groups[1].trajectories[0]"),
        ] {
            let route = body.contains("groups") ? "/v1/rank/many" : "/v1/rank"
            let (status, answer) = try await h.json(.post, route, body)
            #expect(status == 400, "\(body)")
            #expect(answer["error"]?["code"] == .string(code), "\(body): \(answer)")
            #expect(answer["error"]?["path"] == .string(path), "\(body): \(answer)")
        }
        let (missing, notFound) = try await h.json(.get, "/v2/nothing")
        #expect(missing == 404 && notFound["error"]?["code"] == .string("not_found"))
        #expect(h.judge.stats.snapshot.requests == 0)
        await h.shutdown()
    }

    @Test("POST /v1/rank/many: every group answered with its index, at the end or streamed as JSON Lines")
    func many() async throws {
        let h = try await Harness()
        let groups = (0..<4).map { Self.group("m\($0)", size: 2 + $0) }.joined(separator: ",")
        let (status, answer) = try await h.json(.post, "/v1/rank/many", #"{"groups":[\#(groups)]}"#)
        #expect(status == 200)
        let results = try #require(answer["results"]?.arrayValue)
        #expect(results.compactMap { $0["scores"]?.arrayValue?.count } == [2, 3, 4, 5])
        let (streamed, headers, text) = try await h.send(.post, "/v1/rank/many", #"{"groups":[\#(groups)],"stream":true}"#)
        #expect(streamed == 200 && headers[.contentType]?.hasPrefix("application/x-ndjson") == true)
        let lines = try text.split(separator: "\n").map { try JSONParser.parse(Array($0.utf8)) }
        #expect(Set(lines.compactMap { $0["index"]?.intValue }) == [0, 1, 2, 3])
        #expect(lines.allSatisfy { $0["cached"] == .bool(true) })
        #expect(h.judge.stats.snapshot.requests == 4)
        await h.shutdown()
    }

    @Test("a judge that fails every call: 502 judge_failed; the service still answers health")
    func judgeFails() async throws {
        let h = try await Harness(.init(fail500: 1))
        let (status, answer) = try await h.json(.post, "/v1/rank", Self.group("f"))
        #expect(status == 502 && answer["error"]?["code"] == .string("judge_failed"), "\(answer)")
        let (healthy, health) = try await h.json(.get, "/healthz")
        #expect(healthy == 200 && health["status"] == .string("ok"))
        await h.shutdown()
    }

    @Test("a bearer token: refused without it (401), answered with it; /metrics counts both")
    func token() async throws {
        let h = try await Harness { $0.authToken = "s3cret" }
        let (refused, _, body) = try await h.send(.post, "/v1/rank", Self.group("t"))
        #expect(refused == 401 && body.contains("unauthorized") && !body.contains("s3cret"))
        var auth = HTTPFields()
        auth[.authorization] = "Bearer s3cret"
        let (ok, _, _) = try await h.send(.post, "/v1/rank", Self.group("t"), headers: auth)
        #expect(ok == 200)
        let (_, _, metrics) = try await h.send(.get, "/metrics", headers: auth)
        #expect(metrics.contains(#"gavel_requests_total{route="/v1/rank",status="401"} 1"#), "\(metrics)")
        await h.shutdown()
    }

    @Test("more groups than the queue holds: 429 queue_full with Retry-After, nothing judged")
    func queueFull() async throws {
        let h = try await Harness { $0.maxQueuedGroups = 2 }
        let groups = (0..<3).map { Self.group("q\($0)") }.joined(separator: ",")
        let (status, headers, body) = try await h.send(.post, "/v1/rank/many", #"{"groups":[\#(groups)]}"#)
        #expect(status == 429 && body.contains("queue_full") && headers[.retryAfter] != nil)
        #expect(h.judge.stats.snapshot.requests == 0)
        await h.shutdown()
    }
}
