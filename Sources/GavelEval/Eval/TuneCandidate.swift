import GavelCore

/// One way of asking the judge that `gavel tune` tries: an answer format and grade, whole groups or
/// pairs, a sample count.
public struct TuneCandidate: Sendable, Hashable, CustomStringConvertible {
    public var mode: JudgeMode
    public var compare: CompareMode
    public var samples: Int

    public init(mode: JudgeMode, compare: CompareMode = .listwise, samples: Int = 1) {
        self.mode = mode
        self.compare = compare
        self.samples = samples
    }

    /// `scores+logprobs`, `explained pairwise`, or `scores+logprobs x3` with samples: as outputs name the mode.
    public var description: String {
        mode.description + (compare == .pairwise ? " pairwise" : "") + (samples == 1 ? "" : " x\(samples)")
    }

    /// A name fit for a file: `scores-logprobs-s1`, `scores-logprobs-pairwise`.
    public var fileName: String {
        "\(mode.answer.rawValue)-\(mode.grade.rawValue)" + (compare == .pairwise ? "-pairwise" : "-s\(samples)")
    }

    /// Parses `description`'s form (`scores+logprobs`, `explained pairwise`, `brief x3`); nil for
    /// anything else (a pairwise candidate takes no samples: it shows each pair in both orders).
    public init?(_ text: String) {
        var parts = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let first = parts.first, let mode = JudgeMode(first) else { return nil }
        parts.removeFirst()
        var compare = CompareMode.listwise, samples = 1
        if parts.first == "pairwise" {
            compare = .pairwise
            parts.removeFirst()
        }
        if let last = parts.first {
            guard compare == .listwise, last.first == "x", let k = Int(last.dropFirst()), (1...32).contains(k) else { return nil }
            samples = k
            parts.removeFirst()
        }
        guard parts.isEmpty else { return nil }
        self.init(mode: mode, compare: compare, samples: samples)
    }

    /// Every combination, in the order given (answer, then grade, then comparison, then samples
    /// varying fastest); pairwise takes one sample count (it shows each pair in both orders).
    public static func grid(
        answers: [JudgeMode.Answer], grades: [JudgeMode.Grade], compares: [CompareMode] = [.listwise], samples: [Int]
    ) -> [TuneCandidate] {
        answers.flatMap { a in
            grades.flatMap { g in
                compares.flatMap { c in
                    c == .pairwise
                        ? [TuneCandidate(mode: JudgeMode(answer: a, grade: g), compare: c)]
                        : samples.map { TuneCandidate(mode: JudgeMode(answer: a, grade: g), compare: c, samples: $0) }
                }
            }
        }
    }
}
