import GavelJudge

/// Why one group given in memory (`RankRun.rankGroup`) has no ranking.
public enum GroupRankFailure: Error, Sendable, CustomStringConvertible {
    /// The request named a rubric that is not in the search path nor bundled, or whose file does not parse.
    case rubric(String)
    /// A setting of the request is out of range (what, and what is allowed).
    case setting(String)
    /// The judge could not rank the group.
    case judge(JudgeError)

    public var description: String {
        switch self {
        case .rubric(let m), .setting(let m): return m
        case .judge(let e): return e.description
        }
    }
}
