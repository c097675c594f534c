/// How the judge is asked to answer: what it writes (`answer`) and how a score is read from it (`grade`).
///
/// Output tokens are most of a small judge's time (it decodes ~15 tokens/s), and on paid APIs
/// they cost 4–5× input tokens, so the formats differ mainly in how much they make the judge write.
public struct JudgeMode: Sendable, Hashable, CustomStringConvertible {
    /// What the judge writes besides its scores.
    public enum Answer: String, Sendable, CaseIterable {
        /// One or two sentences per trajectory (RULER's format; ~50 tokens a trajectory).
        case explained
        /// One sentence for the whole group, then the scores.
        case brief
        /// Scores only.
        case scores
    }

    /// How a score is read from the answer.
    public enum Grade: String, Sendable, CaseIterable {
        /// A number from 0 to 1 as the judge wrote it, in JSON.
        case number
        /// One digit 0–9 per trajectory on its own line; the score is the probability-weighted mean
        /// of the digit tokens (`top_logprobs`) over 9 — continuous, so few ties. Where the server
        /// returns no logprobs, the written digit over 9.
        case logprobs
    }

    public var answer: Answer
    public var grade: Grade

    public init(answer: Answer = .explained, grade: Grade = .number) {
        self.answer = answer
        self.grade = grade
    }

    /// RULER's mode, Gavel's only one before answer formats: explanations and number scores.
    public static let explained = JudgeMode(answer: .explained, grade: .number)

    /// `explained`, `brief`, `scores`, or one of them with `+logprobs`.
    public var description: String { grade == .number ? answer.rawValue : answer.rawValue + "+logprobs" }

    /// Parses `description`'s form; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "+", maxSplits: 1).map(String.init)
        guard let answer = parts.first.flatMap(Answer.init(rawValue:)) else { return nil }
        var grade = Grade.number
        if parts.count == 2 {
            guard let g = Grade(rawValue: parts[1]) else { return nil }
            grade = g
        }
        self.init(answer: answer, grade: grade)
    }

    /// Output tokens of an answer in this mode as `fixed + perTrajectory × ids`: what an answer
    /// typically takes (`expected`, for estimates) and the cap Gavel sends when the user set none
    /// (`cap`, with room to spare; a cut-off answer is retried with twice the cap).
    var tokenShape: (expected: (fixed: Int, perTrajectory: Int), cap: (fixed: Int, perTrajectory: Int)) {
        switch (grade, answer) {
        case (.logprobs, .scores): return ((2, 4), (16, 8))
        case (.logprobs, .brief): return ((24, 4), (80, 8))
        case (.logprobs, .explained): return ((4, 20), (32, 80))
        case (.number, .scores): return ((4, 14), (32, 24))
        case (.number, .brief): return ((30, 14), (96, 24))
        case (.number, .explained): return ((8, 30), (64, 120))
        }
    }

    /// The output-token cap for an answer on `ids` trajectories when the user set none.
    public func outputBudget(ids: Int) -> Int {
        let cap = tokenShape.cap
        return cap.fixed + cap.perTrajectory * max(1, ids)
    }

    /// The output tokens an answer on `ids` trajectories typically takes (for `--dry-run`).
    public func expectedAnswerTokens(ids: Int) -> Int {
        let expected = tokenShape.expected
        return expected.fixed + expected.perTrajectory * ids
    }
}
