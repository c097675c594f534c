/// The two messages sent to the judge for one group, and how the ids in them map back to trajectories.
public struct JudgePrompt: Sendable, Equatable {
    public var system: String
    public var user: String
    /// The trajectory ids shown to the judge, in order ("1", "2", ...).
    public var ids: [String]
    /// For each id, the positions (in the group's member order) of the trajectories it stands for.
    /// An identical group shows one trajectory whose id stands for every member.
    public var members: [[Int]]
    /// Which sample of the group this is (0 for the first); samples are cached separately.
    public var sample: Int
    /// Which window of a large group this is (0 for a group judged whole). Not part of the cache
    /// key: the window's members are (the prompt's text says which).
    public var window = 0
    /// The answer asked for (the system message states it): how the judge reads the answer.
    public var mode: JudgeMode

    public init(system: String, user: String, ids: [String], members: [[Int]], sample: Int = 0, mode: JudgeMode = .explained) {
        self.mode = mode
        self.system = system
        self.user = user
        self.ids = ids
        self.members = members
        self.sample = sample
    }
}
