import GavelCache
import GavelCore
import GavelHTTP
import GavelJSON
import GavelJudge

/// Everything a ranking run is, as plain values: what a command line, a config file or a service
/// request says. `RankRun` turns it into the running object graph.
public struct RankConfiguration: Sendable {
    /// Which rubric the judge gets.
    public enum RubricChoice: Sendable, Equatable {
        /// Gavel's default RULER rubric.
        case standard
        /// A rubric by name (a file in the search path or a bundled one) or a path to a rubric file.
        case named(String)
        /// Rubric text given inline.
        case text(String)
    }

    /// Where the score stage (output encoding) runs.
    public enum ScoreStageMode: String, Sendable, CaseIterable {
        /// Inline for small inputs, the process pool where it pays (`autoUsesProcessPool`).
        case auto
        case inline
        case thread
        case process
    }

    /// Input size from which `auto` uses the process pool (`Benchmarks/run pool`: groups of 8 with
    /// 3 samples, 2 workers — 1.13× inline's wall at 16 MB, 1.02× at 64 MB, 0.79–0.88× from 128 MB).
    public static let autoProcessThresholdBytes = 128_000_000
    /// The same when groups are fused from windows by a Bradley–Terry fit (groups of 64 in windows of
    /// 16: 1.01× at 8 MB, 0.90× at 16 MB, 0.76–0.79× from 32 MB).
    public static let autoProcessThresholdBytesWithFits = 32_000_000

    /// Whether `--pool auto` runs the score stage in the process pool for this load.
    public static func autoUsesProcessPool(_ load: RankPipeline.ScoreLoad) -> Bool {
        load.inputBytes >= (load.fitsWindows ? autoProcessThresholdBytesWithFits : autoProcessThresholdBytes)
    }
    /// The judge used when neither the configuration nor the rubric names one.
    public static let defaultJudge = "openai/gpt-4o-mini"

    /// The judge mode when neither flags nor rubric choose one (measured: README, "Getting the
    /// most from a small judge"): digit grades weighted by logprobs, scores only. An Anthropic
    /// judge, which returns no logprobs, keeps RULER's explained numbers.
    public static func defaultMode(anthropic: Bool) -> JudgeMode {
        anthropic ? JudgeMode(answer: .explained, grade: .number) : JudgeMode(answer: .scores, grade: .logprobs)
    }

    /// The pipeline's settings: inputs, output, grouping, concurrency, advantages, samples.
    /// `pipeline.rubric` and `pipeline.samples` are filled in from `rubric` and `samples`.
    public var pipeline: RankOptions
    /// Judge samples per group; nil takes the rubric's, else 1.
    public var samples: Int?
    /// Window size for large groups; nil takes the rubric's, else `pipeline.window` (16).
    public var window: Int?
    public var rubric: RubricChoice = .standard
    /// Folders searched for rubric names.
    public var rubricSearchPath = ["Rubrics"]

    /// The judge as PROVIDER/MODEL; nil takes the rubric's, else `defaultJudge`.
    public var judge: String?
    public var apiBase: String?
    /// A panel of judges, each PROVIDER/MODEL or PROVIDER/MODEL@BASE_URL; two or more make a panel
    /// (empty: the rubric's panel, else the single `judge`).
    public var panel: [String] = []
    /// How the panel's scores are combined.
    public var panelCombination: PanelJudge.Combination = .mean
    /// The panel member (PROVIDER/MODEL) whose explanations the output carries; default the first.
    public var explainWith: String?
    /// The environment variable holding the API key, instead of the provider's usual one.
    public var apiKeyEnv: String?
    public var responseFormat: ResponseFormatMode = .jsonSchema
    /// What the judge writes and how a score is read; nil takes the rubric's, else the default
    /// for the judge's provider (`RankConfiguration.defaultMode`).
    public var answer: JudgeMode.Answer?
    public var grade: JudgeMode.Grade?
    /// Whole groups or pairwise tournaments; nil takes the rubric's, else listwise.
    public var compare: CompareMode?
    /// The dotted path of each group's reference answer; nil takes the rubric's, else none.
    public var reference: String?
    /// Request parameters and retries; a nil temperature takes the rubric's.
    public var judgeSettings = JudgeSettings()
    public var requestsPerMinute: Int?
    public var tokensPerMinute: Int?
    /// TLS files; nil ones fall back to the environment's CA variables.
    public var caFile: String?
    public var clientCertificate: String?
    public var clientKey: String?

    public var cacheMode: CacheMode = .readwrite
    public var cacheDirectory = "Cache"
    /// A PostgreSQL cache shared by machines (`postgres://USER@HOST:PORT/DB`), instead of the folder.
    public var cacheURL: String?
    /// Opens the store at `cacheURL`. The PostgreSQL store lives in its own target (GavelPostgres, so
    /// a library user without a database does not build postgres-nio): the `gavel` executable passes
    /// `PostgresCacheStore.opener`; without an opener a `cacheURL` is a configuration error.
    public var cacheDatabase: CacheDatabaseOpener?

    public var scoreStage: ScoreStageMode = .auto
    /// Worker processes or threads; nil uses the active cores.
    public var workers: Int?
    /// The executable whose `worker` subcommand serves the process pool (normally the running `gavel`).
    public var workerExecutable: String?
    /// Debug hook: the first worker dies on this job.
    public var crashFirstWorkerAtJob: Int?

    /// A model map file (LiteLLM's format or Gavel's) added to the bundled LiteLLM map.
    public var priceFile: String?
    /// A spending limit in US dollars: no call starts whose estimated price would pass it.
    public var maxCost: Double?
    /// Seconds after which the spending limit counts from zero again (a service's window; nil: one limit for the run).
    public var maxCostWindow: Double?
    /// The process environment: API keys, CA variables. Read once, here, never logged.
    public var environment: [String: String]

    public init(inputs: [String], environment: [String: String]) {
        pipeline = RankOptions(inputs: inputs)
        self.environment = environment
    }
}
