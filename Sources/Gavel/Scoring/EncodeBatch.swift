/// A batch of output lines for the score stage, with the results of the groups they belong to.
///
/// Each group's result travels once per batch, and each line names its group and member; the
/// executor (in parallel, or in a worker process) builds the per-trajectory annotations itself,
/// so the coordinating task does almost no per-line work.
public struct EncodeBatch: Sendable, Equatable {
    /// One judged (or failed) group.
    public struct Group: Sendable, Equatable {
        public var key: String
        /// Why the group has no scores; nil when it has them.
        public var error: String?
        public var scores: ScoreStage.GroupScores?
        /// First sample's explanation per member.
        public var explanations: [String]
        /// `samples[k][m]`: sample k's score for member m.
        public var samples: [[Double]]
        public var cached: Bool
        /// Members in the group.
        public var count: Int

        public init(key: String, error: String? = nil, scores: ScoreStage.GroupScores? = nil, explanations: [String] = [],
                    samples: [[Double]] = [], cached: Bool = false, count: Int) {
            self.key = key
            self.error = error
            self.scores = scores
            self.explanations = explanations
            self.samples = samples
            self.cached = cached
            self.count = count
        }

        /// The annotation of member `m`.
        public func annotation(member m: Int) -> ScoreStage.Annotation {
            guard error == nil, let scores, m < scores.scores.count else {
                return ScoreStage.Annotation(group: key, error: error ?? "not judged")
            }
            var a = ScoreStage.Annotation(group: key)
            a.score = scores.scores[m]
            a.spread = m < scores.spread.count ? scores.spread[m] : 0
            a.rank = scores.ranks[m]
            a.advantage = m < scores.advantages.count ? scores.advantages[m] : 0
            a.zeroVariance = scores.zeroVariance
            a.explanation = m < explanations.count ? explanations[m] : ""
            a.samples = samples.compactMap { m < $0.count ? $0[m] : nil }
            a.cached = cached
            return a
        }
    }

    /// One input line: its bytes (and where it is on disk), its group's slot in `groups`, and its member (-1 for a group line).
    public struct Line: Sendable, Equatable {
        public var bytes: [UInt8]
        public var location: ScoreStage.LineLocation?
        public var slot: Int
        public var member: Int
        public init(bytes: [UInt8], location: ScoreStage.LineLocation? = nil, slot: Int, member: Int) {
            self.bytes = bytes
            self.location = location
            self.slot = slot
            self.member = member
        }
    }

    public var groups: [Group] = []
    public var lines: [Line] = []

    public init(groups: [Group] = [], lines: [Line] = []) {
        self.groups = groups
        self.lines = lines
    }

    /// The annotations of line `i`: one for a trajectory line, one per member for a group line.
    func annotations(of line: Line) -> [ScoreStage.Annotation] {
        guard line.slot >= 0, line.slot < groups.count else { return [ScoreStage.Annotation(group: "", error: "not judged")] }
        let g = groups[line.slot]
        return line.member >= 0 ? [g.annotation(member: line.member)] : (0..<g.count).map { g.annotation(member: $0) }
    }
}

extension ScoreStage {
    /// Encodes a batch's lines as one JSONL chunk (each line ends with a newline).
    public static func encodeChunk(_ batch: EncodeBatch, lines range: Range<Int>? = nil, context: EncodeContext) throws(InputError) -> [UInt8] {
        let range = range ?? batch.lines.indices
        var w = JSONWriter(reservingCapacity: batch.lines[range].reduce(0) { $0 + $1.bytes.count + 400 })
        for i in range {
            let line = batch.lines[i]
            try line.bytes.withUnsafeBufferPointer { buf throws(InputError) in
                try encode(buf, isGroupLine: line.member < 0, annotations: batch.annotations(of: line), context: context, into: &w)
            }
            w.append(raw: CollectionOfOne(0x0A))
        }
        return w.bytes
    }
}
