import ArgumentParser
import Foundation
import Gavel
import GavelCore
import GavelEval
import GavelIO

/// `gavel report`: one HTML page about ranked output.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page about ranked output: rewards, position bias, agreement, every group.",
        discussion: """
            The page needs no network and opens from disk: histograms of scores and advantages, the mean \
            score by presented slot, each group's spread against its mean, the gavel eval figures when the \
            reference reward separates trajectories, and a table of groups that sorts, filters (zero \
            variance, failed, key search) and expands to each trajectory's rank, score, advantage, the \
            judge's explanation and the start of its last message. gavel rank --report PATH writes the same \
            page at the end of a run, with the rubric, tokens, cost and cache figures of that run.

            Examples:
              gavel report ranked.jsonl -o report.html
              gavel rank runs.jsonl -o ranked.jsonl --report report.html
            """
    )

    @Argument(help: ArgumentHelp("Output files of gavel rank (JSONL or Parquet).", valueName: "RANKED"))
    var files: [String]

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Write the page here.", valueName: "HTML"))
    var output: String

    @Option(help: ArgumentHelp("Dotted JSON path of the reference reward on each trajectory.", valueName: "PATH"))
    var truth = "metrics.independent_reward"

    func run() throws {
        do {
            try Self.write(files: files, truth: truth, to: output, facts: .init())
        } catch {
            printError("\(error)")
            throw ExitCode(ExitStatus.usage.rawValue)
        }
    }

    /// Reads `files` and writes their report to `path` (through a temporary file).
    static func write(files: [String], truth: String, to path: String, facts: HTMLReport.RunFacts) throws {
        let (groups, missing) = try RankedFiles.read(files, truthPath: truth)
        guard !groups.isEmpty else { throw InputError.invalidLine(path: files.joined(separator: ", "), line: 0, "no ranked trajectories") }
        let evaluation = JudgeEvaluation(files: files, groups: groups, truthPath: truth, truthMissing: missing)
        let page = HTMLReport(files: files, groups: groups, evaluation: evaluation, facts: facts).render()
        let sink = try OutputSink(path: path)
        try sink.write(chunk: Array(page.utf8))
        try sink.finish()
    }
}
