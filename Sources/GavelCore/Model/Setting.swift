/// A configuration setting a message can point the user at; each front end names it its own way
/// (the command line's flag, a service's JSON field), so library messages never spell a flag.
public enum Setting: String, Sendable, CaseIterable {
    /// The judge, as PROVIDER/MODEL.
    case judge
    /// The judge API's base URL.
    case apiBase
    /// The environment variable holding the API key.
    case apiKeyEnv
    /// The longest input line accepted.
    case maxLineBytes
    /// How trajectory lines are grouped (a key path, or a group size).
    case grouping
    /// The CA certificates trusted for an https judge.
    case caCertificate
    /// How a score is read from the judge's answer (a number, or digit grades weighted by logprobs).
    case grade
    /// Where a group's reference answer is read from (a dotted path).
    case reference
    /// Whole groups or pairwise tournaments.
    case compare
    /// Where the known truth of each trajectory is read from (`gavel tune`, a dotted path).
    case truth
    /// The run's spending limit in US dollars.
    case maxCost
    /// Judge prices (a model map file).
    case prices
}
