import GavelCore
import GavelIO
import GavelScoring

/// Everything a ranking run needs besides its judge.
public struct RankOptions: Sendable {
    /// What to do when a group cannot be judged.
    public enum OnError: String, Sendable, CaseIterable {
        /// Stop dispatching, finish what is in flight, write what is done, exit 1.
        case fail
        /// Write the group unscored with `gavel.error`, keep going, exit 1 at the end.
        case skip
    }

    /// Input paths; `-` is standard input.
    public var inputs: [String]
    /// Output path; nil writes to standard output. A `.parquet` path (with Parquet input) writes Parquet.
    public var output: String?
    /// Write one ranked file per input into this folder, under the input's name and in its format.
    public var outputDirectory: String?
    /// How Parquet output is compressed (ZSTD, SNAPPY or none); nil: as the input was where Gavel
    /// writes that codec, else ZSTD.
    public var parquetCompression: ParquetCompression?
    public var grouping: GroupingRule
    /// Skip (and log) invalid lines instead of stopping.
    public var skipInvalid: Bool
    /// Judge calls in flight at once.
    public var concurrency: Int
    public var advantage: AdvantageMode
    public var onError: OnError
    public var maxLineBytes: Int
    public var rubric: Rubric
    /// Judge samples per group, each in a different order; scores are their mean.
    public var samples: Int
    /// Input lines per score-stage batch.
    public var batchLines: Int
    /// Groups larger than this are judged in overlapping windows of this size, fused by Bradley–Terry.
    public var window: Int
    /// How the judge is asked to answer (the run's configuration fills it in).
    public var mode: JudgeMode = .explained
    /// Whole groups (listwise) or pairs (a pairwise tournament).
    public var compare: CompareMode = .listwise

    /// The mode as outputs name it (`gavel.answer`): `scores+logprobs`, `explained pairwise`.
    public var modeDescription: String { mode.description + (compare == .pairwise ? " pairwise" : "") }
    /// A dotted JSON path (on the trajectory, or on an ART group line) to a reference answer the
    /// judge is shown, e.g. `metadata.answer`; nil shows none.
    public var reference: String?
    /// Groups whose estimated prompt is longer than this many tokens are judged in windows that fit.
    public var maxPromptTokens: Int?
    /// Trajectories longer than this many tokens (estimated) have their longest tool outputs and
    /// assistant texts shortened in the middle; nil derives a budget from the prompt limit.
    public var maxTrajectoryTokens: Int?
    /// Judge and write only this shard's groups, each output line carrying its input position (for `gavel merge`).
    public var shard: Shard?

    public init(
        inputs: [String], output: String? = nil, grouping: GroupingRule = .default, skipInvalid: Bool = false,
        concurrency: Int = 32, advantage: AdvantageMode = .grpo, onError: OnError = .fail,
        maxLineBytes: Int = 64 << 20, rubric: Rubric = .default, samples: Int = 1, batchLines: Int = 2048, window: Int = 16,
        maxPromptTokens: Int? = nil
    ) {
        self.inputs = inputs
        self.output = output
        self.grouping = grouping
        self.skipInvalid = skipInvalid
        self.concurrency = concurrency
        self.advantage = advantage
        self.onError = onError
        self.maxLineBytes = maxLineBytes
        self.rubric = rubric
        self.samples = samples
        self.batchLines = batchLines
        self.window = window
        self.maxPromptTokens = maxPromptTokens
    }
}
