import ArgumentParser
import Foundation
import Gavel
import GavelCore
import GavelEval
import GavelSupport

/// `gavel eval`: how far the judge's rankings can be trusted, from its own output.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure the judge from ranked output: agreement with a reference reward, position bias, consistency, signal.",
        discussion: """
            Reads what gavel rank wrote and prints, over its groups: agreement with a reference reward \
            (pairwise accuracy with judge ties counting half, mean Kendall τ-b per group, top-1 accuracy, each \
            with a 95% bootstrap interval over groups); with several samples, position bias (mean score by the \
            slot a trajectory was shown in, and the slope from first to last), the flip rate and the score \
            spread; the share of zero-variance groups and the distinct scores per group. --against compares \
            with another ranking of the same trajectories (two judges, two rubrics, two runs).

            The reference defaults to metrics.independent_reward: the reward the trajectories had before \
            ranking. Trajectories without one are counted and their pairs skipped.

            Examples:
              gavel eval ranked.jsonl --truth metadata.solved
              gavel rank runs.jsonl -o a.jsonl --samples 3 && gavel eval a.jsonl
              gavel eval a.jsonl --against b.jsonl --json > agreement.json
            """
    )

    @Argument(help: ArgumentHelp("Output files of gavel rank (JSONL or Parquet).", valueName: "RANKED"))
    var files: [String]

    @Option(help: ArgumentHelp("Dotted JSON path of the reference reward on each trajectory.", valueName: "PATH"))
    var truth = "metrics.independent_reward"

    @Option(help: ArgumentHelp("Another ranking of the same trajectories to compare with.", valueName: "OTHER"))
    var against: String?

    @Flag(help: "Print the figures as one JSON object (field names in the README).")
    var json = false

    @Option(help: "Bootstrap resamples for the confidence intervals.")
    var resamples = 1000

    @Option(help: "Seed of the bootstrap (the same seed prints the same intervals).")
    var seed: UInt64 = 1

    func validate() throws {
        if !(100...100_000).contains(resamples) { throw ValidationError("--resamples must be between 100 and 100000") }
        if truth.isEmpty { throw ValidationError("--truth is empty") }
    }

    func run() throws {
        let groups: [RankedGroup]
        var evaluation: JudgeEvaluation
        do {
            let (read, missing) = try RankedFiles.read(files, truthPath: truth)
            groups = read
            guard !groups.isEmpty else {
                throw InputError.invalidLine(path: files.joined(separator: ", "), line: 0, "no ranked trajectories")
            }
            evaluation = JudgeEvaluation(
                files: files, groups: groups, truthPath: truth, truthMissing: missing,
                bootstrap: Bootstrap(resamples: resamples, seed: seed))
            if let against {
                evaluation.compare(with: try RankedFiles.read([against], truthPath: truth).groups, file: against, groups: groups)
            }
        } catch {
            printError("\(error)")
            throw ExitCode(ExitStatus.usage.rawValue)
        }
        if json {
            print(evaluation.jsonText)
        } else {
            print(Self.report(evaluation), terminator: "")
        }
    }

    /// The figures as text.
    static func report(_ e: JudgeEvaluation) -> String {
        func f(_ d: Double?, _ digits: Int = 3) -> String { d.map { String(format: "%.\(digits)f", $0) } ?? "-" }
        func ci(_ i: Bootstrap.Interval?) -> String {
            guard let i else { return "-" }
            return "\(f(i.estimate))  (95% CI \(f(i.low))–\(f(i.high)))"
        }
        var text = "gavel eval: \(e.groups) groups (\(e.judgedGroups) judged, \(e.failedGroups) not), \(e.trajectories) trajectories"
        text += e.samples > 1 ? ", \(e.samples) samples per group\n" : "\n"
        var rows: [(String, String)] = [
            (
                "truth",
                "\(e.truth.path)" + (e.truth.missing > 0 ? " (missing on \(e.truth.missing) trajectories; their pairs skipped)" : "")
            ),
            (
                "pairwise accuracy",
                e.truth.pairs == 0
                    ? "- (the reference separates no two trajectories of a group: name another with --truth)"
                    : ci(e.truth.pairwiseAccuracy) + " over \(e.truth.pairs) pairs; chance 0.5"
            ),
            ("Kendall τ-b", ci(e.truth.kendallTauB) + " mean over \(e.truth.tauGroups) groups"),
            ("top-1 accuracy", ci(e.truth.topOneAccuracy) + " over \(e.truth.topOneGroups) groups"),
        ]
        if !e.answers.isEmpty { rows.insert(("answer", e.answers.joined(separator: ", ")), at: 0) }
        if let p = e.position {
            let slots = p.meanScoreBySlot.enumerated().map { "\($0.offset): \(f($0.element))" }.joined(separator: "  ")
            rows.append(("mean score by slot", slots))
            rows.append(("position slope", String(format: "%+.3f first → last (%d sample scores)", p.slope, p.observations)))
        }
        if let flip = e.flipRate { rows.append(("flip rate", f(flip) + " of pairs change order between samples")) }
        if let mean = e.spreadMean { rows.append(("score spread", "mean \(f(mean)), worst \(f(e.spreadWorst))")) }
        if let z = e.zeroVarianceShare { rows.append(("zero-variance groups", String(format: "%.1f%% (no GRPO signal)", z * 100))) }
        if let d = e.meanDistinctScores { rows.append(("distinct scores", f(d, 2) + " per group")) }
        if e.singleGroups > 0 { rows.append(("single-trajectory groups", "\(e.singleGroups) (nothing to compare)")) }
        text += KeyValueTable(rows).render()
        if let a = e.against {
            text +=
                "against \(a.file): \(a.matchedGroups) groups matched" + (a.unmatchedGroups > 0 ? ", \(a.unmatchedGroups) unmatched" : "")
                + "\n"
            var more: [(String, String)] = [("pairwise agreement", ci(a.pairwiseAgreement)), ("Kendall τ-b", ci(a.kendallTauB))]
            for g in a.mostDisagreeing {
                more.append(("  group \(g.key)", "agreement \(f(g.agreement)), τ-b \(f(g.kendallTauB))"))
            }
            text += KeyValueTable(more).render()
        }
        return text
    }
}
