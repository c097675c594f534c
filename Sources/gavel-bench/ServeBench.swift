import ArgumentParser
import Foundation
import GavelCurl
import GavelHTTP
import GavelTesting

/// `gavel serve` under load: many rollout workers at once against a 200 ms judge.
struct ServeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract:
            "C concurrent clients × N groups of 8 through gavel serve against the simulator: errors, the service's added latency, --rpm.",
        discussion: """
            Three phases, one simulator (in this process): (1) the baseline — the same clients send each group's judge
            request straight to the simulator; (2) the same groups through gavel serve (--cache off, --concurrency C), so
            each request costs one judge call; latencies compared at p50/p99; (3) gavel serve with --rpm R under the same
            clients: the judge's arrivals checked against R over the run and over every 1 s window (the limiter's bucket
            holds one second's worth).
            Example: gavel-bench serve --clients 64 --groups 100 --latency-ms 200 --rpm 6000
            """
    )

    @Option(help: "Concurrent clients.") var clients = 64
    @Option(help: "Groups per client.") var groups = 100
    @Option(help: "Simulator latency per judge call, in milliseconds.") var latencyMs = 200
    @Option(help: "Requests/minute budget of the --rpm phase.") var rpm = 6000
    @Option(help: "Groups per client in the --rpm phase (the simulator keeps the first 20,000 arrival times).")
    var rpmGroups = 30
    @Option(help: "Folder for logs.") var work = ".build/bench"

    func run() async throws {
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let total = clients * groups
        let data = SyntheticTrajectories(groups: total, groupSize: 8, toolTurns: 3, toolResultChars: 300).items()
        let bodies = data.map { Array(#"{"trajectories":[\#($0.map(\.json).joined(separator: ","))]}"#.utf8) }
        // The baseline's request: one chat call carrying the group's trajectories, as the judge call does.
        let direct = data.map { group in chatBody(blocks: group.map(\.json)) }
        print(
            "serve benchmark: \(clients) clients × \(groups) groups of 8 (\(total) requests, \(bodies[0].count / 1024) KiB each), "
                + "simulator latency \(latencyMs) ms, one core pair for everything")

        try await withSimulator(.init(latencyMs: latencyMs)) { sim in
            let transport = try CurlTransport(configuration: .init(maxConnectionsPerHost: 1024))
            // (1) Baseline: the clients call the judge directly.
            let base = try await load(clients: clients, perClient: groups) { i in
                HTTPRequest(url: sim.baseURL + "/chat/completions", headers: [("Content-Type", "application/json")], body: direct[i])
            } send: {
                try await transport.send($0)
            }
            // (2) The same groups through gavel serve.
            let flags = ["--judge", "openai/sim-judge", "--api-base", sim.baseURL, "--cache", "off", "--concurrency", String(clients)]
            let serve = try await ServeProcess(flags + ["--max-queue", String(4 * clients)], log: "\(work)/serve-bench.log")
            let callsBefore = sim.stats.snapshot.requests
            let cpuBefore = serve.process.cpuSeconds
            let through = try await load(clients: clients, perClient: groups) { i in
                HTTPRequest(url: serve.baseURL + "/v1/rank", headers: [("Content-Type", "application/json")], body: bodies[i])
            } send: {
                try await transport.send($0)
            }
            let calls = sim.stats.snapshot.requests - callsBefore
            let serveCPU = serve.process.cpuSeconds - cpuBefore
            serve.process.send(SIGTERM)
            _ = await serve.process.waitForExit(timeout: .seconds(60))

            print("  phase                    wall     p50       p99       max     errors  judge calls")
            func row(_ name: String, _ r: LoadResult, calls: Int) {
                print(
                    String(
                        format: "  %-22@ %6.2f s %7.1f ms %7.1f ms %7.1f ms %6d %8d", name as NSString, r.wall, r.percentile(0.5) * 1000,
                        r.percentile(0.99) * 1000, (r.latencies.max() ?? 0) * 1000, r.errors, calls))
            }
            row("direct to the judge", base, calls: total)
            row("through gavel serve", through, calls: calls)
            print(
                String(
                    format: "  added by gavel serve: p50 %+.1f ms, p99 %+.1f ms (%.3f× the direct p99); wall %.3f× the direct run",
                    (through.percentile(0.5) - base.percentile(0.5)) * 1000, (through.percentile(0.99) - base.percentile(0.99)) * 1000,
                    through.percentile(0.99) / base.percentile(0.99), through.wall / base.wall))

            print(
                String(
                    format: "  gavel serve's own time per request (Server-Timing total − judge): p50 %.2f ms, p99 %.2f ms, max %.2f ms "
                        + "over %d requests", LoadResult.percentile(through.own, 0.5) * 1000,
                    LoadResult.percentile(through.own, 0.99) * 1000,
                    (through.own.last ?? 0) * 1000, through.own.count))
            print(String(format: "  gavel serve's CPU: %.2f s in all, %.0f µs per request", serveCPU, serveCPU / Double(total) * 1e6))

            // (3) The --rpm budget across all clients.
            sim.stats.reset()
            let limited = try await ServeProcess(flags + ["--rpm", String(rpm)], log: "\(work)/serve-bench-rpm.log")
            let r = try await load(clients: clients, perClient: rpmGroups) { i in
                HTTPRequest(url: limited.baseURL + "/v1/rank", headers: [("Content-Type", "application/json")], body: bodies[i])
            } send: {
                try await transport.send($0)
            }
            limited.process.send(SIGTERM)
            _ = await limited.process.waitForExit(timeout: .seconds(60))
            let arrivals = sim.stats.snapshot.arrivals.sorted()
            let span = (arrivals.last ?? 0) - (arrivals.first ?? 0)
            var busiest = 0, j = 0
            for (i, t) in arrivals.enumerated() {
                while t - arrivals[j] >= 1 { j += 1 }
                busiest = max(busiest, i - j + 1)
            }
            let perSecond = Double(rpm) / 60
            // The limiter's bucket starts full with one second's worth; after that, calls come at the refill rate.
            let first = arrivals.first ?? 0
            let steady = arrivals.filter { $0 >= first + 1 }
            let steadyRate = Double(steady.count) / max((arrivals.last ?? 0) - first - 1, 1e-9) * 60
            print(
                String(
                    format: "  --rpm %d across %d clients: %d calls in %.2f s, %d errors; after the first second's burst %.0f/min = %.3f× "
                        + "the budget; busiest 1 s window %d calls (a full bucket + one second's refill: %.0f)",
                    rpm, clients, arrivals.count, span, r.errors, steadyRate, steadyRate / Double(rpm), busiest, 2 * perSecond))
            if through.errors > 0 || base.errors > 0 || r.errors > 0 { throw BenchError("some requests failed") }
        }
    }

    /// Latencies of `clients` workers each sending `perClient` requests one after another.
    func load(
        clients: Int, perClient: Int, request: @escaping @Sendable (Int) -> HTTPRequest,
        send: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse
    ) async throws -> LoadResult {
        let start = ContinuousClock.now
        let results = await withTaskGroup(of: ([Double], [Double], Int).self) { group in
            for c in 0..<clients {
                group.addTask {
                    var latencies: [Double] = [], own: [Double] = [], errors = 0
                    for k in 0..<perClient {
                        let t0 = ContinuousClock.now
                        let response = try? await send(request(c * perClient + k))
                        latencies.append((ContinuousClock.now - t0).seconds)
                        if response?.status != 200 { errors += 1 }
                        if let timing = response?.header("server-timing"), let o = Self.ownSeconds(timing) { own.append(o) }
                    }
                    return (latencies, own, errors)
                }
            }
            var all: [([Double], [Double], Int)] = []
            for await r in group { all.append(r) }
            return all
        }
        return LoadResult(
            latencies: results.flatMap(\.0).sorted(), own: results.flatMap(\.1).sorted(), errors: results.reduce(0) { $0 + $1.2 },
            wall: (ContinuousClock.now - start).seconds)
    }

    /// `total − judge` of a `Server-Timing: judge;dur=X, total;dur=Y` header, in seconds.
    static func ownSeconds(_ header: String) -> Double? {
        var d: [String: Double] = [:]
        for part in header.split(separator: ",") {
            let bits = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard bits.count == 2, bits[1].hasPrefix("dur="), let v = Double(bits[1].dropFirst(4)) else { continue }
            d[bits[0]] = v / 1000
        }
        guard let judge = d["judge"], let total = d["total"] else { return nil }
        return total - judge
    }
}

/// One load phase's figures.
struct LoadResult {
    /// Seconds per request as the client saw it, sorted.
    var latencies: [Double]
    /// Seconds per request the service spent on its own (its Server-Timing total less the judge's), sorted.
    var own: [Double] = []
    var errors: Int
    var wall: Double

    func percentile(_ p: Double) -> Double { Self.percentile(latencies, p) }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[max(0, min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1))]
    }
}
