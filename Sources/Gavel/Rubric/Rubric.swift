/// A grading rubric: the text the judge reads under "Grading rubric", with its name.
public struct Rubric: Sendable, Equatable {
    public var name: String
    public var text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }

    /// Gavel's built-in default rubric, in our own words.
    public static let defaultText = """
    - Reaching the goal matters most: a trajectory that achieves what was asked scores well above one that does not, however tidy the failure looks.
    - Efficiency comes next: among trajectories that reach the goal, prefer the ones with fewer wasted steps, redundant tool calls and detours.
    - Keep score gaps proportional to quality gaps: near-equal work gets near-equal scores, and a large difference in quality gets a large difference in score.
    - Give partial credit for real progress: a trajectory that got most of the way scores above one that made none.
    """

    public static let `default` = Rubric(name: "default", text: defaultText)
}
