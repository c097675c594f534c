import GavelHTTP

/// The judge simulator without its server: an `HTTPTransport` that hands each chat request to the
/// simulator's judging logic in memory. Scores, ids and injected faults are the simulator's (a
/// dropped connection throws `connectionLost`; a hang, `timeout`); latency is not waited out. For
/// unit tests of everything above the transport — the pipeline, `gavel serve`'s routes — with no
/// socket and no clock.
public final class SimulatorTransport: HTTPTransport {
    public let configuration: SimulatorConfiguration
    /// The simulator's counters: requests, scored groups, faults.
    public let stats = SimulatorStats()
    private let judge: SimulatedJudge

    public init(configuration: SimulatorConfiguration = .init()) {
        self.configuration = configuration
        judge = SimulatedJudge(configuration: configuration, stats: stats)
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let path = request.url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.url
        guard path.hasSuffix("/chat/completions") || path.hasSuffix("/messages") else {
            return HTTPResponse(status: 404, body: Array(#"{"error":{"message":"not found"}}"#.utf8))
        }
        stats.begin()
        defer { stats.end() }
        let answer = judge.answer(
            api: path.hasSuffix("/messages") ? .anthropic : .openAI, headers: request.headers.map { ($0.name, $0.value) },
            body: request.body)
        switch answer.delivery {
        case .drop: throw TransportError.connectionLost
        case .hang: throw TransportError.timeout
        case .normal, .slow:
            return HTTPResponse(
                status: answer.status, headers: answer.headers.map { (name: $0.0, value: $0.1) }, body: Array(answer.body.utf8))
        }
    }
}
