import ArgumentParser
import Foundation
import Gavel
import GavelCore
import GavelScoring

/// How groups are judged and scored: rubric, samples, windows, concurrency, advantages (shared by
/// `gavel rank` and `gavel serve`).
struct ScoringOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Judge each group K times, each in a different order; the score is the mean, gavel.score_spread the spread (default: the "
                + "rubric's samples, else 1).",
            valueName: "K"))
    var samples: Int?

    @Option(
        help: ArgumentHelp(
            "Judge groups larger than N in overlapping windows of N, fused with a Bradley–Terry fit (default: the rubric's, else 16).",
            valueName: "N"))
    var window: Int?

    @Option(
        help: ArgumentHelp(
            "Judge a group in windows when its prompt would exceed T tokens (estimated as --dry-run does).", valueName: "T"))
    var maxPromptTokens: Int?

    @Option(
        help: ArgumentHelp(
            "Shorten trajectories longer than T tokens: the middles of their longest tool outputs and assistant texts are cut "
                + "and marked, never the task or the final answer (default: what lets a group fit the judge's context; "
                + "see gavel.elided).",
            valueName: "T"))
    var maxTrajectoryTokens: Int?

    @Option(help: "Judge calls in flight at once.")
    var concurrency = 32

    @Option(help: ArgumentHelp("Advantage per trajectory: grpo ((r-mean)/(std+1e-6)), mean (r-mean), rloo, or none.", valueName: "MODE"))
    var advantage: AdvantageMode = .grpo

    @Option(
        help: ArgumentHelp(
            "Rubric name (a file in ./Rubrics or a bundled one; see gavel rubric list) or path to a rubric file.", valueName: "NAME|PATH"))
    var rubric: String?

    @Option(help: ArgumentHelp("Rubric text for this run, instead of a rubric file.", valueName: "TEXT"))
    var rubricText: String?

    @Option(
        help: ArgumentHelp(
            "Show the judge each group's reference answer, read at this dotted path of its trajectories or group line "
                + "(e.g. metadata.answer; default: the rubric's reference, else none).",
            valueName: "PATH"))
    var reference: String?

    func validate() throws {
        if let r = reference, !ReferenceAnswers.isValidPath(r) {
            throw ValidationError("--reference must be a dotted JSON path, e.g. metadata.answer")
        }
        if concurrency < 1 || concurrency > 4096 { throw ValidationError("--concurrency must be between 1 and 4096") }
        if let k = samples, k < 1 || k > 32 { throw ValidationError("--samples must be between 1 and 32") }
        if let w = window, w < 3 || w > 256 { throw ValidationError("--window must be between 3 and 256") }
        if let t = maxPromptTokens, t < 1000 { throw ValidationError("--max-prompt-tokens must be at least 1000") }
        if let t = maxTrajectoryTokens, t < 100 { throw ValidationError("--max-trajectory-tokens must be at least 100") }
        if rubric != nil, rubricText != nil { throw ValidationError("use either --rubric or --rubric-text, not both") }
        if let text = rubricText, text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("--rubric-text is empty")
        }
    }

    func apply(to c: inout RankConfiguration) {
        c.pipeline.concurrency = concurrency
        c.pipeline.advantage = advantage
        c.samples = samples
        c.window = window
        c.pipeline.maxPromptTokens = maxPromptTokens
        c.pipeline.maxTrajectoryTokens = maxTrajectoryTokens
        c.reference = reference
        c.rubric = rubricText.map { .text($0) } ?? rubric.map { .named($0) } ?? .standard
    }
}
