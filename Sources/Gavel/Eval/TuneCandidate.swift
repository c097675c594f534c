/// One way of asking the judge that `gavel tune` tries: an answer format, a grade, a sample count.
public struct TuneCandidate: Sendable, Hashable, CustomStringConvertible {
    public var mode: JudgeMode
    public var samples: Int

    public init(mode: JudgeMode, samples: Int = 1) {
        self.mode = mode
        self.samples = samples
    }

    /// `scores+logprobs`, or `scores+logprobs x3` with samples.
    public var description: String { samples == 1 ? mode.description : "\(mode.description) x\(samples)" }

    /// A name fit for a file: `scores-logprobs-s1`.
    public var fileName: String { "\(mode.answer.rawValue)-\(mode.grade.rawValue)-s\(samples)" }

    /// Parses `description`'s form (`scores+logprobs`, `explained x3`); nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard (1...2).contains(parts.count), let mode = JudgeMode(String(parts[0])) else { return nil }
        var samples = 1
        if parts.count == 2 {
            guard parts[1].first == "x", let k = Int(parts[1].dropFirst()), (1...32).contains(k) else { return nil }
            samples = k
        }
        self.init(mode: mode, samples: samples)
    }

    /// Every combination, in the order given (answer, then grade, then samples varying fastest).
    public static func grid(answers: [JudgeMode.Answer], grades: [JudgeMode.Grade], samples: [Int]) -> [TuneCandidate] {
        answers.flatMap { a in grades.flatMap { g in samples.map { TuneCandidate(mode: JudgeMode(answer: a, grade: g), samples: $0) } } }
    }
}
