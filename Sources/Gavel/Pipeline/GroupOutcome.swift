/// The result of judging one group, per member in the group's member order.
struct GroupOutcome: Sendable {
    var scores: [Double] = []
    var explanations: [String] = []
    var statistics: GroupStatistics?
    /// Whether every judge answer for the group came from the cache.
    var cached = false
    /// Why the group has no scores, if it has none.
    var error: String?

    static func failed(_ why: String) -> GroupOutcome { GroupOutcome(error: why) }
}
