import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// An OpenAI- and Anthropic-compatible judge server on 127.0.0.1 for tests, benchmarks and demos.
///
/// `POST /v1/chat/completions` and `POST /v1/messages` answer with scores for every
/// `<trajectory id="...">` block in the prompt; `GET /stats` returns the counters as JSON;
/// `POST /stats/reset` zeroes them; with a context size, `GET /props` reports it as llama.cpp does.
public final class JudgeSimulator: Sendable {
    public let configuration: SimulatorConfiguration
    public let stats = SimulatorStats()
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let batches: SimulatedBatches
    /// The port the simulator listens on.
    public let port: Int

    /// The base URL of the OpenAI-compatible API (`http://127.0.0.1:PORT/v1`, or https when serving TLS).
    public var baseURL: String { "\(configuration.tls == nil ? "http" : "https")://127.0.0.1:\(port)/v1" }

    /// Starts listening; `threads` event-loop threads serve connections.
    public init(configuration: SimulatorConfiguration = .init(), threads: Int = 1) async throws {
        self.configuration = configuration
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        let judge = SimulatedJudge(configuration: configuration, stats: stats)
        let stats = self.stats
        let batches = SimulatedBatches(judge: judge, stats: stats)
        self.batches = batches
        let sslContext: NIOSSLContext?
        do {
            sslContext = try configuration.tls.map { tls in
                var config = TLSConfiguration.makeServerConfiguration(
                    certificateChain: try NIOSSLCertificate.fromPEMFile(tls.certificateChain).map { .certificate($0) },
                    privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.privateKey, format: .pem)))
                config.applicationProtocols = ["http/1.1"]
                if let ca = tls.clientCA {
                    config.certificateVerification = .noHostnameVerification
                    config.trustRoots = .file(ca)
                }
                return try NIOSSLContext(configuration: config)
            }
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.backlog, value: 1024)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let sslContext {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                        }
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(SimulatorHandler(judge: judge, stats: stats, batches: batches))
                    }
                }
                .bind(host: "127.0.0.1", port: configuration.port)
                .get()
            self.group = group
            self.channel = channel
            self.port = channel.localAddress?.port ?? configuration.port
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Lets batches held by `holdBatches` end as their `batchDelay` says.
    public func releaseBatches() { batches.release() }

    /// Stops listening and closes every connection.
    public func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    /// Runs until the listening channel closes.
    public func wait() async throws {
        try await channel.closeFuture.get()
    }
}

/// Collects one HTTP request and answers it through `SimulatedJudge`.
final class SimulatorHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private static let maxBody = 64 << 20
    private let judge: SimulatedJudge
    private let stats: SimulatorStats
    private let batches: SimulatedBatches
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false

    init(judge: SimulatedJudge, stats: SimulatorStats, batches: SimulatedBatches) {
        self.judge = judge
        self.stats = stats
        self.batches = batches
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body.removeAll(keepingCapacity: true)
            tooLarge = false
        case .body(var buffer):
            if body.count + buffer.readableBytes > Self.maxBody { tooLarge = true; return }
            if let bytes = buffer.readBytes(length: buffer.readableBytes) { body.append(contentsOf: bytes) }
        case .end:
            guard let head else { return }
            self.head = nil
            handle(context: context, head: head)
        }
    }

    private func handle(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        if tooLarge {
            write(context: context, head: head, answer: SimulatedAnswer(status: 413, body: #"{"error":{"message":"request too large"}}"#))
            return
        }
        let host = head.headers.first(name: "host") ?? "127.0.0.1"
        if let answer = batches.handle(
            method: head.method.rawValue, path: path, headers: head.headers.map { ($0.name, $0.value) }, body: body,
            baseURL: "http://\(host)/v1")
        {
            write(context: context, head: head, answer: answer)
            return
        }
        switch (head.method, path) {
        case (.GET, "/stats"):
            write(context: context, head: head, answer: SimulatedAnswer(status: 200, body: stats.json))
        case (.POST, "/stats/reset"):
            stats.reset()
            write(context: context, head: head, answer: SimulatedAnswer(status: 200, body: "{}"))
        case (.GET, "/props") where judge.configuration.contextTokens != nil:
            // As llama.cpp's server reports its context (one slot's), for a client's context probe.
            let n = judge.configuration.contextTokens ?? 0
            write(
                context: context, head: head,
                answer: SimulatedAnswer(status: 200, body: #"{"default_generation_settings":{"n_ctx":\#(n)},"total_slots":1}"#))
        case (.GET, "/health"):
            write(context: context, head: head, answer: SimulatedAnswer(status: 200, body: #"{"ok":true}"#))
        case (.POST, _) where path.hasSuffix("/chat/completions") || path.hasSuffix("/messages"):
            let api: SimulatedJudge.API = path.hasSuffix("/messages") ? .anthropic : .openAI
            stats.begin()
            let headers = head.headers.map { ($0.name, $0.value) }
            let answer = judge.answer(api: api, headers: headers, body: body)
            if let wanted = judge.configuration.holdUntilInFlight {
                hold(context: context, head: head, answer: answer, until: wanted, deadline: .now() + .seconds(90))
            } else {
                answerAfterLatency(context: context, head: head, answer: answer)
            }
        default:
            write(context: context, head: head, answer: SimulatedAnswer(status: 404, body: #"{"error":{"message":"not found"}}"#))
        }
    }

    /// Answers after the configured latency, ending the request's in-flight count then.
    private func answerAfterLatency(context: ChannelHandlerContext, head: HTTPRequestHead, answer: SimulatedAnswer) {
        let latency = judge.configuration.latencyMs
        if latency > 0 {
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(latency))) {
                self.stats.end()
                self.write(context: context, head: head, answer: answer)
            }
        } else {
            stats.end()
            write(context: context, head: head, answer: answer)
        }
    }

    /// Holds an answer (checking every 10 ms) until `wanted` requests have been in flight at once or
    /// `deadline` has passed, then answers it after the latency.
    private func hold(
        context: ChannelHandlerContext, head: HTTPRequestHead, answer: SimulatedAnswer, until wanted: Int, deadline: NIODeadline
    ) {
        if stats.snapshot.maxInFlight >= wanted || NIODeadline.now() >= deadline {
            answerAfterLatency(context: context, head: head, answer: answer)
            return
        }
        context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(10)) {
            self.hold(context: context, head: head, answer: answer, until: wanted, deadline: deadline)
        }
    }

    private func write(context: ChannelHandlerContext, head: HTTPRequestHead, answer: SimulatedAnswer) {
        guard context.channel.isActive, answer.delivery != .hang else { return }
        if answer.delivery == .drop {
            context.close(promise: nil)
            return
        }
        let bytes = Array(answer.body.utf8)
        var headers = HTTPHeaders(answer.headers)
        headers.replaceOrAdd(name: "content-length", value: String(bytes.count))
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.replaceOrAdd(name: "connection", value: "close") }
        let responseHead = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: answer.status), headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if answer.delivery == .slow {
            // Five pieces, 40 ms apart.
            let pieces = 5
            let size = max(1, (bytes.count + pieces - 1) / pieces)
            let chunks = stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min(bytes.count, $0 + size)]) }
            context.flush()
            for (i, chunk) in chunks.enumerated() {
                context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(40 * (i + 1)))) {
                    guard context.channel.isActive else { return }
                    context.writeAndFlush(self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: chunk)))), promise: nil)
                    if i == chunks.count - 1 { self.finish(context: context, keepAlive: keepAlive) }
                }
            }
            if chunks.isEmpty { finish(context: context, keepAlive: keepAlive) }
        } else {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: bytes)))), promise: nil)
            finish(context: context, keepAlive: keepAlive)
        }
    }

    private func finish(context: ChannelHandlerContext, keepAlive: Bool) {
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
