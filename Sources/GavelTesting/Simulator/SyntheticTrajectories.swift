import GavelSupport

/// Deterministic ART-format trajectory files with known truth, for tests, benchmarks and demos.
///
/// Each trajectory's final answer carries `QUALITY=<x>`, which the simulator scores by, so the
/// expected score of every trajectory is known.
public struct SyntheticTrajectories: Sendable {
    public var groups: Int
    public var groupSize: Int
    /// Tool-call turns per trajectory (each: an assistant Choice with a tool call, then a tool result).
    public var toolTurns: Int
    /// Characters of filler in each tool result.
    public var toolResultChars: Int
    public var seed: UInt64

    public init(groups: Int, groupSize: Int = 8, toolTurns: Int = 3, toolResultChars: Int = 300, seed: UInt64 = 7) {
        self.groups = groups
        self.groupSize = groupSize
        self.toolTurns = toolTurns
        self.toolResultChars = toolResultChars
        self.seed = seed
    }

    /// One generated trajectory: its group, its known quality and its JSON text.
    public struct Item: Sendable {
        public var group: String
        public var quality: Double
        public var json: String
    }

    /// Every trajectory, group by group.
    public func items() -> [[Item]] {
        var rng = SplitMix64(seed: seed)
        func next() -> UInt64 { rng.next() }
        let filler = String(repeating: "lorem ipsum dolor sit amet ", count: max(1, toolResultChars / 27 + 1)).prefix(toolResultChars)
        let tools =
            #"[{"type":"function","function":{"name":"search_inbox","description":"Search the inbox","parameters":{"type":"object","#
            + #""properties":{"query":{"type":"string"}}}}}]"#
        return (0..<groups).map { g in
            let group = String(format6(g))
            return (0..<groupSize).map { k in
                let quality = Double(next() % 1000) / 1000
                var messages: [String] = [
                    #"{"role":"system","content":"You are an email assistant. Use the search_inbox tool to answer precisely."}"#,
                    #"{"role":"user","content":"When is the offsite for team \#(g)?"}"#,
                ]
                for t in 0..<toolTurns {
                    let call = "call_\(g)_\(k)_\(t)"
                    messages.append(
                        #"{"finish_reason":"tool_calls","index":0,"logprobs":null,"message":{"role":"assistant","content":null,"#
                            + #""tool_calls":[{"id":"\#(call)","type":"function","function":{"name":"search_inbox","#
                            + #""arguments":"{\"query\": \"offsite \#(g) step \#(t) variant \#(k)\"}"}}]}}"#
                    )
                    messages.append(
                        #"{"role":"tool","tool_call_id":"\#(call)","content":"[{\"id\": \"m\#(g)-\#(t)\", \"snippet\": \"\#(filler) "#
                            + #"\#(next() % 100000)\"}]"}"#
                    )
                }
                messages.append(
                    #"{"finish_reason":"stop","index":0,"message":{"role":"assistant","content":"The offsite for team \#(g) is on "#
                        + #"June \#(1 + k). QUALITY=\#(SimulatedJudge.format(quality))"}}"#
                )
                let json =
                    #"{"reward":0.0,"metrics":{"duration":\#(Double(next() % 5000) / 1000)},"metadata":{"group_id":"\#(group)","#
                    + #""scenario_id":"\#(g)"},"messages_and_choices":[\#(messages.joined(separator: ","))],"tools":\#(tools),"#
                    + #""additional_histories":[],"logs":[]}"#
                return Item(group: group, quality: quality, json: json)
            }
        }
    }

    /// One group per line: `{"trajectories": [...]}`.
    public func groupLines() -> String {
        items().map { group in #"{"trajectories":[\#(group.map(\.json).joined(separator: ","))],"exceptions":[]}"# }.joined(separator: "\n")
            + "\n"
    }

    /// One trajectory per line, optionally in a shuffled (seeded) order.
    public func trajectoryLines(shuffled: Bool = false) -> String {
        var all = items().flatMap { $0 }
        if shuffled {
            var state = seed ^ 0xABCDEF
            for i in stride(from: all.count - 1, to: 0, by: -1) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let j = Int((state >> 33) % UInt64(i + 1))
                all.swapAt(i, j)
            }
        }
        return all.map(\.json).joined(separator: "\n") + "\n"
    }

    private func format6(_ g: Int) -> String {
        let s = String(g)
        return "g" + String(repeating: "0", count: max(0, 6 - s.count)) + s
    }
}
