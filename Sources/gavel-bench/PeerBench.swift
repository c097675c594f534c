import ArgumentParser
import Foundation

/// Gavel against ART's RULER on the same workload, the same simulator and the same concurrency.
struct PeerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer",
        abstract: "Rank the same workload with ART's ruler() (Python) and with gavel rank, against gavel-judge-sim; prints both and their ratios.",
        discussion: "Example: gavel-bench peer --python .build/bench/artvenv/bin/python --groups 2000 --latency-ms 200 --concurrency 256"
    )

    @Option(help: "Python of a venv with openpipe-art installed.") var python: String
    @Option var groups = 2000
    @Option var latencyMs = 200
    @Option var concurrency = 256
    @Option(help: "Folder for the workload and outputs.") var work = ".build/bench"

    func run() async throws {
        let input = try Workload.file(groups: groups, in: work)
        let sim = try SimulatorProcess(arguments: ["--latency-ms", String(latencyMs), "--threads", "2"])
        defer { sim.stop() }
        let bound = Double((groups + concurrency - 1) / concurrency) * Double(latencyMs) / 1000

        // ART: its own ruler(), asyncio, one semaphore.
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Benchmarks/art_peer.py").path
        let art = try runPython(python, [script, input, sim.baseURL, String(concurrency), "\(work)/peer-art-out.jsonl"])
        // Gavel: the same file, no cache.
        let gavel = try runChild("gavel", ["rank", input, "-o", "\(work)/peer-gavel-out.jsonl", "--judge", "openai/sim-judge", "--api-base", sim.baseURL,
                                           "--concurrency", String(concurrency), "--cache", "off", "-q"])
        guard gavel.status == 0 else { throw BenchError("gavel failed: \(gavel.stderr)") }

        print(String(format: "peer benchmark: %d groups × 8 ART trajectories, 3 tool-call turns (%.0f MB), simulator latency %d ms, concurrency %d",
                     groups, Workload.megabytes(input), latencyMs, concurrency))
        print(String(format: "  latency bound ceil(groups/concurrency) × latency = %.2f s", bound))
        print("  tool        wall      CPU    CPU/call   wall/bound  failures")
        func row(_ name: String, _ wall: Double, _ cpu: Double, _ failures: Int) {
            print(String(format: "  %-9@ %6.2f s %6.2f s %7.2f ms %9.2f× %9d", name as NSString, wall, cpu, cpu / Double(groups) * 1000, wall / bound, failures))
        }
        row("ART", art.wall, art.cpu, art.failures)
        row("Gavel", gavel.wall, gavel.cpu, 0)
        print(String(format: "  Gavel/ART: wall %.3f× (%.1f× faster), CPU %.3f× (%.1f× less)", gavel.wall / art.wall, art.wall / gavel.wall, gavel.cpu / art.cpu, art.cpu / gavel.cpu))
    }

    private func runPython(_ python: String, _ arguments: [String]) throws -> (wall: Double, cpu: Double, failures: Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
              let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let wall = json["wall"] as? Double, let cpu = json["cpu"] as? Double else {
            throw BenchError("the ART peer failed (status \(process.terminationStatus)): \(String(decoding: data, as: UTF8.self).suffix(500))")
        }
        return (wall, cpu, json["failures"] as? Int ?? 0)
    }
}
