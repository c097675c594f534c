/// One panel member's scores for a prompt, in the order of its ids.
public struct PanelScores: Sendable, Equatable {
    public var member: String
    public var scores: [Double]

    public init(member: String, scores: [Double]) {
        self.member = member
        self.scores = scores
    }
}
