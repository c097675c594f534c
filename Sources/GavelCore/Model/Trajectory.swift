import GavelJSON

/// What the judge sees of one trajectory: its chat messages and the tools it could call.
public struct Trajectory: Sendable, Equatable, Hashable {
    /// OpenAI-style chat messages; ART Choice objects are already replaced by their `message`.
    public var messages: [JSONValue]
    /// The tool definitions, if the trajectory had any.
    public var tools: JSONValue?

    public init(messages: [JSONValue], tools: JSONValue? = nil) {
        self.messages = messages
        self.tools = tools
    }
}
