import ArgumentParser
import Foundation
import GavelScoring
import GavelSupport
import GavelTesting

/// Large groups judged in windows: calls, wall time against the latency bound, and the fit's CPU.
struct LargeGroupBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "largegroups",
        abstract:
            "Groups of 256 at --window 16 against the simulator: calls, wall / latency bound; and the Bradley–Terry fit's CPU per group.",
        discussion: "Example: gavel-bench largegroups --groups 20 --size 256 --window 16 --latency-ms 100 --concurrency 64"
    )

    @Option var groups = 20
    @Option var size = 256
    @Option var window = 16
    @Option var latencyMs = 100
    @Option var concurrency = 64
    @Option(help: "Folder for the workload and outputs.") var work = ".build/bench"

    func run() async throws {
        // The workload: groups of `size` with known QUALITY, one trajectory line each.
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let input = "\(work)/largegroups-\(groups)x\(size).jsonl"
        try QualityGroups.lines(groups: groups, size: size).write(toFile: input, atomically: true, encoding: .utf8)
        let sim = try SimulatorProcess(arguments: ["--latency-ms", String(latencyMs), "--threads", "2"])
        defer { sim.stop() }
        let out = "\(work)/largegroups-out.jsonl"
        let r = try runChild(
            "gavel",
            [
                "rank", input, "-o", out, "--judge", "openai/sim", "--api-base", sim.baseURL, "--window", String(window),
                "--concurrency", String(concurrency), "--cache", "off", "--progress-interval", "3600",
            ])
        guard r.status == 0 else { throw BenchError("gavel failed: \(r.stderr.suffix(500))") }
        let calls =
            r.stderr.split(separator: "\n").first { $0.contains("judge calls") }
            .flatMap { $0.split(whereSeparator: { !$0.isNumber }).first.flatMap { Int($0) } } ?? 0
        let bound = Double((calls + concurrency - 1) / concurrency) * Double(latencyMs) / 1000
        print("large-group benchmark: \(groups) groups of \(size), --window \(window), latency \(latencyMs) ms, concurrency \(concurrency)")
        print(
            String(
                format: "  calls %d = %.1f per group (design: ⌈2n/window⌉ = %d; limit 3n/window = %d)", calls,
                Double(calls) / Double(groups), (2 * size + window - 1) / window, 3 * size / window))
        print(
            String(
                format: "  wall %.2f s = %.2f× the latency bound ⌈calls/concurrency⌉ × latency = %.2f s; CPU %.2f s", r.wall,
                r.wall / bound, bound, r.cpu))

        // The fit alone, on the same design with exact scores: median CPU per group over 50 fits.
        let quality = (0..<size).map { Double(($0 * 7919) % size) / Double(size) }
        var comparisons = BradleyTerry.Comparisons(members: size)
        for w in WindowPlan.windows(canonical: Array(0..<size), size: window) { comparisons.add(window: w, scores: w.map { quality[$0] }) }
        var times: [Double] = []
        for _ in 0..<50 {
            let t0 = cpuSeconds()
            _ = BradleyTerry().scores(comparisons)
            times.append(cpuSeconds() - t0)
        }
        print(
            String(
                format: "  Bradley–Terry fit of a group of %d: %.2f ms CPU (median of 50; target under 5 ms)", size, median(times) * 1000))
    }
}
