/// ART's reward fields as Gavel writes them: the one table every writer follows — JSONL output
/// (`ScoreStage.annotate` and its byte-splicing twin `RecordSplicer`), Parquet output
/// (`ParquetRankedWriter`, through `annotate`) and the Python client (`gavel_client/annotation.py`
/// mirrors these names and rules; `ARTAnnotationTests` checks the two agree).
///
/// | field | a scored trajectory gets | rule |
/// | --- | --- | --- |
/// | `reward` | the score | replaced or added |
/// | `metrics.ruler_score` | the score | replaced or added (metrics an object, or missing: then made) |
/// | `metrics.independent_reward` | the reward before ranking (null if none) | added; kept if already there |
/// | `logs` | `"RULER explanation: " + explanation` | appended (a missing or null list becomes one) |
/// | `gavel` | Gavel's object (group, score, rank, …) | replaced or added |
///
/// A trajectory whose group could not be judged gets only `gavel: {group, error}`; a `metrics` or
/// `logs` value of another JSON type is left as it is. The names and rule are ART's
/// `ruler_score_group`'s, but for `independent_reward`, which ART overwrites: kept, a second ranking
/// still knows the reward the trajectory came with.
public enum ARTAnnotation {
    public static let reward = "reward"
    public static let metrics = "metrics"
    public static let scoreMetric = "ruler_score"
    public static let originalRewardMetric = "independent_reward"
    public static let logs = "logs"
    public static let logPrefix = "RULER explanation: "
    public static let gavel = "gavel"

    /// The log line for an explanation.
    public static func logLine(_ explanation: String) -> String { logPrefix + explanation }

    /// Every name and text of the table, by the name the Python client gives it.
    public static let mirrored: [String: String] = [
        "REWARD": reward, "METRICS": metrics, "SCORE_METRIC": scoreMetric, "ORIGINAL_REWARD_METRIC": originalRewardMetric,
        "LOGS": logs, "LOG_PREFIX": logPrefix, "GAVEL": gavel,
    ]
}
