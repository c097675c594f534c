import Foundation
import Gavel
import GavelCache
import GavelCore
import GavelCurl
import GavelHTTP
import GavelJSON
import GavelJudge
import GavelSupport

/// Offline ranking through the providers' batch APIs (half the price, answers within hours):
/// `submit` sends every call a run needs that the cache lacks, `status` reports, `collect` puts
/// the answers into the cache after the same validation as live calls; `gavel rank` with the same
/// flags then finishes from the cache and judges live whatever the batches did not deliver.
public final class BatchJob: Sendable {
    /// What `submit` did, per judge.
    public struct Submitted: Sendable {
        public var judge: String
        public var needed = 0
        public var cached = 0
        /// Already in a batch of the manifest that was not collected yet.
        public var inFlight = 0
        public var submitted = 0
        public var batches: [String] = []
    }

    /// What `collect` did.
    public struct Collected: Sendable {
        public var batches = 0
        /// Batches still running (collect them later).
        public var pending: [String] = []
        public var stored = 0
        public var alreadyCached = 0
        public var invalid = 0
        public var failed = 0
        public var expired = 0
        /// A few examples of why requests were not stored.
        public var problems: [String] = []
    }

    public let manifestPath: String
    private let cacheDirectory: String
    private let environment: [String: String]
    private let apiKeyEnv: String?
    private let transport: CurlTransport

    /// A batch job whose manifest is `manifest` (default: `batches.json` in the cache folder).
    /// Keys come from `environment` (the provider's usual variable, or `apiKeyEnv`).
    public init(cacheDirectory: String, manifest: String? = nil, environment: [String: String], apiKeyEnv: String? = nil) throws {
        self.cacheDirectory = cacheDirectory
        self.manifestPath = manifest ?? (cacheDirectory + "/batches.json")
        self.environment = environment
        self.apiKeyEnv = apiKeyEnv
        // Result files can be large: a batch of 50,000 answers is tens of megabytes.
        let tls = TLSTrust.resolve(caFile: nil, clientCertificate: nil, clientKey: nil, environment: environment)
        self.transport = try CurlTransport(configuration: .init(maxConnectionsPerHost: 8, maxResponseBytes: 1 << 30, tls: tls))
    }

    /// The batch API for `endpoint`.
    private func provider(_ endpoint: JudgeEndpoint, transport: any HTTPTransport) throws -> any BatchProvider {
        let http = BatchHTTP(endpoint: endpoint, transport: transport)
        let cap = environment["GAVEL_BATCH_MAX_REQUESTS"].flatMap(Int.init).map { max(1, $0) }
        switch endpoint.style {
        case .openAI: return OpenAIBatchProvider(http: http, limits: (cap ?? 50_000, 200 << 20))
        case .anthropic: return AnthropicBatchProvider(http: http, limits: (cap ?? 100_000, 256 << 20))
        case .azure:
            throw BatchError.unsupported("\(endpoint.name): Gavel speaks OpenAI's and Anthropic's batch APIs, not Azure's yet")
        }
    }

    /// The batch API of a manifest entry, its key from the environment.
    private func provider(of entry: BatchManifest.Entry) throws -> any BatchProvider {
        let endpoint: JudgeEndpoint
        do {
            endpoint = try JudgeEndpoint.resolve(judge: entry.judge, apiBase: entry.baseURL, apiKeyEnv: apiKeyEnv, environment: environment)
        } catch {
            throw BatchError.manifest("batch \(entry.id): \(error)")
        }
        return try provider(endpoint, transport: transport)
    }

    private func openCache() throws -> JudgeCache {
        do { return try JudgeCache(directory: cacheDirectory, mode: .readwrite) } catch { throw BatchError.manifest("\(error)") }
    }

    /// Sends every call the run needs that the cache does not hold, in as many batches as the
    /// provider's limits ask; records each batch in the manifest as soon as it exists.
    public func submit(_ run: RankRun, command: [String]) async throws -> [Submitted] {
        guard run.cache is JudgeCache, run.configuration.cacheMode == .readwrite else {
            throw BatchError.manifest(
                "batches deliver their answers into the cache folder: use --cache readwrite (the default), without --cache-url")
        }
        guard run.compare == .listwise else {
            throw BatchError.unsupported(
                "a pairwise tournament chooses each round's pairs from the last round's answers, which a batch cannot wait for: "
                    + "rank it live (gavel rank), or batch it listwise")
        }
        let providers = try run.endpoints.map { try provider($0, transport: run.transport) }
        let prompts = try await run.pipeline.allPrompts()
        var manifest = FileManager.default.fileExists(atPath: manifestPath) ? try BatchManifest.read(manifestPath) : BatchManifest()
        manifest.command = command
        let inFlight = Set(manifest.entries.filter { !$0.collected }.flatMap { $0.calls.map(\.key) })
        guard let cache = run.cache else { return [] }
        var report: [Submitted] = []
        for (m, chat) in run.chats.enumerated() {
            var r = Submitted(judge: chat.name)
            let digest = JudgeCache.identityDigest(chat.cacheIdentity)
            var seen: Set<String> = []
            var requests: [BatchRequest] = []
            for prompt in prompts {
                let key = JudgeCache.key(identityDigest: digest, prompt: prompt)
                guard seen.insert(key).inserted else { continue }  // the same call twice (identical groups)
                r.needed += 1
                let count = prompt.ids.count
                if await cache.lookup(key, count: count) != nil {
                    r.cached += 1
                } else if inFlight.contains(key) {
                    r.inFlight += 1
                } else {
                    let body = chat.requestBody(prompt, mode: chat.responseFormatMode, correction: nil)
                    requests.append(
                        BatchRequest(customID: key, member: m, body: (try? JSONParser.parse(body)) ?? .null, ids: prompt.ids.count))
                }
            }
            for chunk in Self.split(requests, limits: providers[m].limits) {
                let (id, file) = try await providers[m].create(chunk)
                manifest.entries.append(
                    BatchManifest.Entry(
                        id: id, api: providers[m].api, judge: chat.name, identity: digest, baseURL: run.endpoints[m].baseURL,
                        inputFile: file, mode: run.pipeline.options.modeDescription,
                        created: ISO8601DateFormatter().string(from: Date()), calls: chunk.map { ($0.customID, $0.ids) }, collected: false))
                try manifest.write(to: manifestPath)
                r.submitted += chunk.count
                r.batches.append(id)
            }
            report.append(r)
        }
        if report.allSatisfy({ $0.batches.isEmpty }) && !FileManager.default.fileExists(atPath: manifestPath) {
            try manifest.write(to: manifestPath)
        }
        return report
    }

    /// Requests in batches within `limits` (requests and bytes), in order.
    static func split(_ requests: [BatchRequest], limits: (requests: Int, bytes: Int)) -> [[BatchRequest]] {
        var out: [[BatchRequest]] = []
        var current: [BatchRequest] = []
        var bytes = 0
        for r in requests {
            let size = JSONWriter.encode(r.body).count + r.customID.utf8.count + 80
            if !current.isEmpty, current.count >= limits.requests || bytes + size > limits.bytes {
                out.append(current)
                current = []
                bytes = 0
            }
            current.append(r)
            bytes += size
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// Each batch of the manifest and what its provider says of it now.
    public func status() async throws -> [(entry: BatchManifest.Entry, status: BatchStatus)] {
        let manifest = try BatchManifest.read(manifestPath)
        var out: [(BatchManifest.Entry, BatchStatus)] = []
        for entry in manifest.entries {
            out.append((entry, try await provider(of: entry).status(entry.id)))
        }
        return out
    }

    /// Polls until every batch of the manifest has ended, calling `progress` after each round.
    public func wait(
        every interval: Duration, progress: @Sendable ([(entry: BatchManifest.Entry, status: BatchStatus)]) -> Void
    )
        async throws
    {
        while true {
            let all = try await status()
            progress(all)
            if all.allSatisfy({ $0.entry.collected || $0.status.isEnded }) { return }
            try await Task.sleep(for: interval)
        }
    }

    /// Takes in the results of every ended batch not collected yet: valid answers go into the cache,
    /// the rest are counted (and judged live by the next `gavel rank`). Collecting twice changes nothing.
    public func collect() async throws -> Collected {
        var manifest = try BatchManifest.read(manifestPath)
        var c = Collected()
        guard manifest.entries.contains(where: { !$0.collected }) else { return c }
        let cache = try openCache()
        for i in manifest.entries.indices where !manifest.entries[i].collected {
            let entry = manifest.entries[i]
            let provider = try provider(of: entry)
            let status = try await provider.status(entry.id)
            guard status.isEnded else {
                c.pending.append("\(entry.id) (\(status.state), \(status.succeeded + status.failed) of \(status.total) done)")
                continue
            }
            let style: JudgeEndpoint.Style = entry.api == "anthropic" ? .anthropic : .openAI
            let ids = Dictionary(entry.calls.map { ($0.key, $0.ids) }, uniquingKeysWith: { a, _ in a })
            var answered: Set<String> = []
            for (key, outcome) in try await provider.results(status) {
                guard let n = ids[key], answered.insert(key).inserted else { continue }  // not ours, or twice
                switch outcome {
                case .expired: c.expired += 1
                case .failed(let why):
                    c.failed += 1
                    if c.problems.count < 5 { c.problems.append("\(key.prefix(12))…: \(why)") }
                case .answer(let body):
                    if await cache.lookup(key, count: n) != nil {
                        c.alreadyCached += 1
                        continue
                    }
                    switch Self.verdict(body, ids: n, style: style, mode: JudgeMode(entry.mode) ?? .explained) {
                    case .success(let verdict):
                        let (judge, identity) = (entry.judge, entry.identity)
                        try await cache.store(key, verdict: verdict, judge: judge, identityDigest: identity)
                        c.stored += 1
                    case .failure(let problem):
                        c.invalid += 1
                        if c.problems.count < 5 { c.problems.append("\(key.prefix(12))…: \(problem)") }
                    }
                }
            }
            // Requests the provider said nothing of count as failed: the next rank judges them live.
            c.failed += entry.calls.filter { !answered.contains($0.key) }.count
            manifest.entries[i].collected = true
            try manifest.write(to: manifestPath)
            c.batches += 1
        }
        return c
    }

    /// The same validation as a live call's answer.
    static func verdict(
        _ body: [UInt8], ids n: Int, style: JudgeEndpoint.Style, mode: JudgeMode = .explained
    ) -> Result<JudgeVerdict, ScoreParser.Problem> {
        let json = try? JSONParser.parse(body)
        let format = style.wireFormat  // the live call's format: one reader for both
        let (answer, value) = format.answer(of: json, body: HTTPResponse(status: 200, body: body))
        let expected = (1...max(1, n)).map(String.init)
        do throws(ScoreParser.Problem) {
            let parsed = try ChatJudge.read(answer: answer, value: value, json: json, mode: mode, ids: expected)
            return .success(
                JudgeVerdict(
                    scores: parsed.scores, explanations: parsed.explanations, usage: format.usage(of: json), raw: answer,
                    calls: 1))
        } catch {
            return .failure(error)
        }
    }
}
