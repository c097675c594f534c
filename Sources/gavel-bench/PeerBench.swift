import ArgumentParser
import Foundation

/// Gavel against ART's RULER on the same workload, the same simulator and the same concurrency.
struct PeerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer",
        abstract:
            "Rank the same workload with ART's ruler() (Python) and with gavel rank, against gavel-judge-sim; prints both and their "
            + "ratios.",
        discussion: "Example: gavel-bench peer --python .build/bench/artvenv/bin/python --groups 2000 --latency-ms 200 --concurrency 256"
    )

    @Option(help: "Python of a venv with openpipe-art installed.") var python: String
    @Option var groups = 2000
    @Option var latencyMs = 200
    @Option var concurrency = 256
    @Option(help: "Folder for the workload and outputs.") var work = ".build/bench"
    @Flag(help: "Also over https through an nginx TLS front (HTTP/1.1 and HTTP/2), ART included.") var https = false
    @Option(help: "Another gavel binary (an older build) to run on the same workload, alternating with this one.") var baselineGavel:
        String?
    @Option(help: "Runs of each gavel binary when --baseline-gavel is given; medians are compared.") var rounds = 3

    func run() async throws {
        if https { return try await runHTTPS() }
        let input = try Workload.file(groups: groups, in: work)
        let sim = try SimulatorProcess(arguments: ["--latency-ms", String(latencyMs), "--threads", "2"])
        defer { sim.stop() }
        let bound = Double((groups + concurrency - 1) / concurrency) * Double(latencyMs) / 1000

        // ART: its own ruler(), asyncio, one semaphore.
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Benchmarks/art_peer.py").path
        let art = try runPython(python, [script, input, sim.baseURL, String(concurrency), "\(work)/peer-art-out.jsonl"])
        // Gavel: the same file, no cache.
        let gavel = try runChild(
            "gavel",
            [
                "rank", input, "-o", "\(work)/peer-gavel-out.jsonl", "--judge", "openai/sim-judge", "--api-base", sim.baseURL,
                "--concurrency", String(concurrency), "--cache", "off", "-q",
            ])
        guard gavel.status == 0 else { throw BenchError("gavel failed: \(gavel.stderr)") }

        print(
            String(
                format:
                    "peer benchmark: %d groups × 8 ART trajectories, 3 tool-call turns (%.0f MB), simulator latency %d ms, concurrency %d",
                groups, Workload.megabytes(input), latencyMs, concurrency))
        print(String(format: "  latency bound ceil(groups/concurrency) × latency = %.2f s", bound))
        print("  tool        wall      CPU    CPU/call   wall/bound  failures")
        func row(_ name: String, _ wall: Double, _ cpu: Double, _ failures: Int) {
            print(
                String(
                    format: "  %-9@ %6.2f s %6.2f s %7.2f ms %9.2f× %9d", name as NSString, wall, cpu, cpu / Double(groups) * 1000,
                    wall / bound, failures))
        }
        row("ART", art.wall, art.cpu, art.failures)
        row("Gavel", gavel.wall, gavel.cpu, 0)
        print(
            String(
                format: "  Gavel/ART: wall %.3f× (%.1f× faster), CPU %.3f× (%.1f× less)", gavel.wall / art.wall, art.wall / gavel.wall,
                gavel.cpu / art.cpu, art.cpu / gavel.cpu))
        if let baselineGavel { try compare(with: baselineGavel, input: input, sim: sim) }
    }

    /// This gavel against another build on the same workload and simulator, runs alternating.
    private func compare(with baseline: String, input: String, sim: SimulatorProcess) throws {
        let arguments = [
            "rank", input, "-o", "\(work)/peer-gavel-out.jsonl", "--judge", "openai/sim-judge", "--api-base", sim.baseURL,
            "--concurrency", String(concurrency), "--cache", "off", "-q",
        ]
        var runs: [String: [ChildRun]] = [:]
        for _ in 0..<max(1, rounds) {
            for (name, binary) in [("baseline", baseline), ("this", "gavel")] {
                let r = try runChild(binary, arguments)
                guard r.status == 0 else { throw BenchError("\(name) gavel failed: \(r.stderr.suffix(500))") }
                runs[name, default: []].append(r)
            }
        }
        let walls = runs.mapValues { median($0.map(\.wall)) }, cpus = runs.mapValues { median($0.map(\.cpu)) }
        let (w0, w1, c0, c1) = (walls["baseline"] ?? 0, walls["this"] ?? 0, cpus["baseline"] ?? 0, cpus["this"] ?? 0)
        print(
            String(
                format:
                    "  this build vs %@ (median of %d alternating runs each): wall %.2f s vs %.2f s (%.3f×), CPU %.2f s vs %.2f s (%.3f×)",
                baseline as NSString, max(1, rounds), w1, w0, w1 / w0, c1, c0, c1 / c0))
    }

    /// Gavel over http, https/1.1 and https/2, and ART over https/1.1, in one run: wall, CPU per call, connections.
    private func runHTTPS() async throws {
        let input = try Workload.file(groups: groups, in: work)
        let sim = try SimulatorProcess(arguments: ["--latency-ms", String(latencyMs), "--threads", "2"])
        defer { sim.stop() }
        let front = try TLSFront(backendPort: sim.port, work: work)
        defer { front.stop() }
        let bound = Double((groups + concurrency - 1) / concurrency) * Double(latencyMs) / 1000
        print(
            String(
                format:
                    "peer benchmark over https: %d groups × 8 ART trajectories (%.0f MB), simulator latency %d ms behind nginx (TLS, "
                    + "same 2 cores), concurrency %d",
                groups, Workload.megabytes(input), latencyMs, concurrency))
        print(String(format: "  latency bound ceil(groups/concurrency) × latency = %.2f s", bound))
        print("  run              wall      CPU    CPU/call   wall/bound  connections")
        // Gavel trusts the front as it trusts a public judge: through the system's hashed CA folder
        // (here a copy with the throw-away CA added), named by SSL_CERT_DIR.
        func gavel(_ name: String, _ base: String, _ extra: [String]) throws -> ChildRun {
            let r = try runChild(
                "gavel",
                [
                    "rank", input, "-o", "\(work)/peer-gavel-out.jsonl", "--judge", "openai/sim-judge", "--api-base", base,
                    "--concurrency", String(concurrency), "--cache", "off", "--progress-interval", "3600",
                ] + extra,
                environment: ["SSL_CERT_DIR": front.caDirectory, "SSL_CERT_FILE": "", "CURL_CA_BUNDLE": "", "REQUESTS_CA_BUNDLE": ""])
            guard r.status == 0 else { throw BenchError("gavel \(name) failed: \(r.stderr.suffix(500))") }
            let conns = r.stderr.components(separatedBy: " over ").dropFirst().first?.split(separator: " ").first.map(String.init) ?? "?"
            print(
                String(
                    format: "  %-14@ %6.2f s %6.2f s %7.2f ms %9.2f× %9@", name as NSString, r.wall, r.cpu, r.cpu / Double(groups) * 1000,
                    r.wall / bound, conns as NSString))
            return r
        }
        let plain = try gavel("Gavel http", sim.baseURL, [])
        let h1 = try gavel("Gavel https/1.1", front.http1BaseURL, [])
        let h2 = try gavel("Gavel https/2", front.http2BaseURL, [])
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Benchmarks/art_peer.py").path
        let art = try runPython(
            python, [script, input, front.http1BaseURL, String(concurrency), "\(work)/peer-art-out.jsonl"],
            environment: ["SSL_CERT_FILE": front.caFile])
        print(
            String(
                format: "  %-14@ %6.2f s %6.2f s %7.2f ms %9.2f× %9@", "ART https/1.1" as NSString, art.wall, art.cpu,
                art.cpu / Double(groups) * 1000, art.wall / bound, "-" as NSString))
        let best = min(h1.wall, h2.wall)
        print(
            String(
                format:
                    "  https CPU/call vs http: %.2f× (1.1), %.2f× (2); Gavel https vs ART https: %.1f× faster (best of 1.1 and 2), "
                    + "%.1f× less CPU",
                h1.cpu / plain.cpu, h2.cpu / plain.cpu, art.wall / best, art.cpu / min(h1.cpu, h2.cpu)))
    }

    private func runPython(
        _ python: String, _ arguments: [String], environment: [String: String] = [:]
    ) throws -> (wall: Double, cpu: Double, failures: Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
            let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let wall = json["wall"] as? Double, let cpu = json["cpu"] as? Double
        else {
            throw BenchError(
                "the ART peer failed (status \(process.terminationStatus)): \(String(decoding: data, as: UTF8.self).suffix(500))")
        }
        return (wall, cpu, json["failures"] as? Int ?? 0)
    }
}
