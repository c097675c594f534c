import GavelJSON

/// One group of Gavel's output as `gavel eval` reads it back: the judge's scores, what each
/// sample showed where, and a reference reward per trajectory.
public struct RankedGroup: Sendable, Equatable {
    /// One trajectory of the group, in output order.
    public struct Member: Sendable, Equatable {
        /// The judge's final score; nil when the group was not judged.
        public var score: Double?
        /// Each sample's score (the final score alone when the output lists no samples).
        public var samples: [Double]
        /// Where each sample showed the trajectory (0 = first); empty for output older than `gavel.slots`.
        public var slots: [Int]
        /// The reference reward, when the trajectory has one at the truth path.
        public var truth: Double?
        /// `gavel.rank`, `gavel.advantage` and `gavel.explanation`, for the report.
        public var rank: Int?
        public var advantage: Double?
        public var explanation: String
        /// The start of the trajectory's last message, for the report.
        public var excerpt: String

        public init(
            score: Double?, samples: [Double], slots: [Int] = [], truth: Double? = nil, rank: Int? = nil, advantage: Double? = nil,
            explanation: String = "", excerpt: String = ""
        ) {
            self.score = score
            self.samples = samples
            self.slots = slots
            self.truth = truth
            self.rank = rank
            self.advantage = advantage
            self.explanation = explanation
            self.excerpt = excerpt
        }
    }

    /// `gavel.group`.
    public var key: String
    /// The file the group was read from (its index in the files given).
    public var file: Int
    public var members: [Member]
    /// `gavel.error`, when the group was not judged.
    public var failure: String?
    /// `gavel.judge` of its first judged trajectory.
    public var judge: String?
    /// Whether every answer for the group came from the cache (`gavel.cached`).
    public var cached: Bool
    /// `gavel.answer`: the judge mode that produced its scores (nil in output older than modes).
    public var answer: String?

    public init(key: String, file: Int = 0, members: [Member], failure: String? = nil, judge: String? = nil, cached: Bool = false) {
        self.key = key
        self.file = file
        self.members = members
        self.failure = failure
        self.judge = judge
        self.cached = cached
    }

    /// Whether every member has a score.
    public var isJudged: Bool { failure == nil && !members.isEmpty && members.allSatisfy { $0.score != nil } }

    /// Samples per member (the smallest count, so every member has that many).
    public var sampleCount: Int { members.map(\.samples.count).min() ?? 0 }
}
