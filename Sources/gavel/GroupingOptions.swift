import ArgumentParser
import GavelCore

/// How trajectory lines are gathered into groups (shared by `gavel rank` and `gavel tune`).
struct GroupingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Group trajectory lines by this dotted JSON path (e.g. metadata.task_id).", valueName: "PATH"))
    var groupBy: String?

    @Option(help: ArgumentHelp("Group consecutive trajectory lines in chunks of N instead of by key.", valueName: "N"))
    var groupSize: Int?

    func validate() throws {
        if let n = groupSize, n < 1 { throw ValidationError("--group-size must be at least 1") }
        if groupSize != nil, groupBy != nil { throw ValidationError("use either --group-by or --group-size, not both") }
    }

    /// The grouping rule the flags name: chunks, a key path, or the default key paths.
    var rule: GroupingRule { groupSize.map { .size($0) } ?? groupBy.map { .keyPaths([$0]) } ?? .default }
}
