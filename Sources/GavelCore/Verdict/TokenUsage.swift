/// Token counts reported by the judge's `usage`.
public struct TokenUsage: Sendable, Equatable {
    public var prompt = 0
    public var completion = 0
    public init(prompt: Int = 0, completion: Int = 0) {
        self.prompt = prompt
        self.completion = completion
    }
    public static func += (a: inout TokenUsage, b: TokenUsage) {
        a.prompt += b.prompt
        a.completion += b.completion
    }
}
