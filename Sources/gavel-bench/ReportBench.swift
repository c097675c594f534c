import ArgumentParser
import Foundation
@_spi(Benchmarks) import Gavel
import GavelScoring
import GavelSupport
import GavelTesting

/// `gavel report` on a large ranked file: time, CPU, memory and page size, against `gavel eval`
/// reading the same file (the baseline: what the report costs beyond reading and measuring).
struct ReportBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract:
            "gavel report on 2,000 groups × 8 ranked ART trajectories (3 samples): wall, CPU, peak RSS, page size; gavel eval as baseline.",
        discussion: "Example: gavel-bench report --groups 2000"
    )

    @Option var groups = 2000
    @Option(help: "Folder for the workload and outputs.") var work = ".build/bench"

    func run() async throws {
        let input = try Workload.file(groups: groups, in: work)
        let ranked = "\(work)/report-ranked-\(groups).jsonl", page = "\(work)/report-\(groups).html"
        // Ranked output as gavel rank writes it, with given verdicts in place of a judge (3 samples, with slots).
        var options = RankOptions(inputs: [input], output: ranked, samples: 3)
        options.concurrency = 64
        let summary = try await RankPipeline(options: options, judge: StubJudge.byText(name: "openai/bench")).run { key, members in
            var rng = SplitMix64(seed: key.utf8.reduce(UInt64(7)) { $0 &* 31 &+ UInt64($1) })
            let samples = (0..<3).map { _ in (0..<members).map { _ in Double(rng.next() % 1000) / 1000 } }
            return GroupVerdicts.inOrder(
                samples: samples,
                explanations: (0..<members).map { "Trajectory \($0 + 1) reached the goal; its second search was redundant." })
        }
        guard summary.isComplete else { throw BenchError("ranking the workload failed") }
        let eval = try runChild("gavel", ["eval", ranked])
        let report = try runChild("gavel", ["report", ranked, "-o", page])
        guard eval.status == 0, report.status == 0 else { throw BenchError("gavel failed: \(eval.stderr) \(report.stderr)") }
        let size = (try FileManager.default.attributesOfItem(atPath: page)[.size] as? Int) ?? 0
        print(String(format: "report benchmark: %d groups × 8 ART trajectories (%.0f MB ranked)", groups, Workload.megabytes(ranked)))
        print(String(format: "  gavel eval    wall %5.2f s  CPU %5.2f s  peak RSS %5.0f MB", eval.wall, eval.cpu, eval.peakRSSMB))
        print(
            String(
                format: "  gavel report  wall %5.2f s  CPU %5.2f s  peak RSS %5.0f MB  page %.2f MB", report.wall, report.cpu,
                report.peakRSSMB,
                Double(size) / 1e6))
        print(
            String(
                format: "  report / eval: wall %.2f×, CPU %.2f×; targets: under 1 s (%@), under 8 MB (%@)", report.wall / eval.wall,
                report.cpu / eval.cpu, report.wall < 1 ? "met" : "missed", size < 8_000_000 ? "met" : "missed"))
        try browse(page: page, groups: groups)
    }

    /// Debian's headless Chromium loads the page and runs its script (the DOM it dumps must say so),
    /// against Chromium loading a blank page: its own start. Medians of interleaved runs.
    func browse(page: String, groups: Int) throws {
        guard let chromium = TestPaths.chromium else {
            return print("  headless Chromium: not installed (apt-get install chromium), not measured")
        }
        let blank = "\(work)/report-blank.html"
        try Data("<!DOCTYPE html><html><body></body></html>".utf8).write(to: URL(fileURLWithPath: blank))
        let dom = "\(work)/report-dom-\(getpid()).html"
        defer { try? FileManager.default.removeItem(atPath: dom) }
        func load(_ file: String) throws -> (ChildRun, String) {
            let profile = "\(work)/chromium-profile-\(getpid())"
            defer { try? FileManager.default.removeItem(atPath: profile) }
            let r = try runChild(
                chromium,
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)", "--dump-dom",
                    URL(fileURLWithPath: file).absoluteString,
                ],
                stdout: dom)
            return (r, (try? String(contentsOfFile: dom, encoding: .utf8)) ?? "")
        }
        var pageWalls: [Double] = [], blankWalls: [Double] = []
        for _ in 0..<3 {
            let (b, _) = try load(blank), (p, text) = try load(page)
            guard p.status == 0, text.contains("\(groups) of \(groups) groups") else {
                throw BenchError("Chromium did not run the page's script: status \(p.status), \(p.stderr.suffix(400))")
            }
            blankWalls.append(b.wall)
            pageWalls.append(p.wall)
        }
        print(
            String(
                format:
                    "  headless Chromium: the page loaded and scripted in %.2f s (median of 3), a blank page %.2f s: the page adds %.2f s",
                median(pageWalls), median(blankWalls), median(pageWalls) - median(blankWalls)))
    }
}
