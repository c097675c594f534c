import GavelTesting
import Testing

@testable import GavelCore
@testable import GavelJSON
@testable import GavelScoring

@Suite("Splicing judgements into records")
struct RecordSplicerTests {
    static let context = ScoreStage.EncodeContext(judgeName: "openai/j", advantage: .grpo)

    static func annotation(error: GroupFailure? = nil) -> ScoreStage.Annotation {
        var a = ScoreStage.Annotation(group: "g<1>", failure: error)
        a.score = 0.75
        a.rank = 2
        a.advantage = -0.5
        a.explanation = "Good, but \"slow\" </trajectory> & done."
        a.samples = [0.7, 0.8]
        a.spread = 0.05
        return a
    }

    static func both(
        _ record: String, group: Bool = false, error: GroupFailure? = nil, count: Int = 1
    ) throws -> (spliced: String?, tree: String) {
        let bytes = Array(record.utf8)
        let annotations = Array(repeating: annotation(error: error), count: count)
        var s = JSONWriter()
        let ok = RecordSplicer.splice(bytes, annotations: annotations, isGroupLine: group, context: context, into: &s)
        var t = JSONWriter()
        try bytes.withUnsafeBufferPointer { buf throws(InputError) in
            try ScoreStage.encodeTree(buf, isGroupLine: group, annotations: annotations, context: context, into: &t)
        }
        return (ok ? String(decoding: s.bytes, as: UTF8.self) : nil, String(decoding: t.bytes, as: UTF8.self))
    }

    @Test(
        "splicing gives the same record as the tree path",
        arguments: [
            #"{"reward":0.0,"metrics":{"duration":1.5},"messages":[{"role":"user","content":"a } ] \" { ["}],"logs":[]}"#,
            #"{"messages":[{"role":"user","content":"x"}]}"#,
            #"{ "reward" : 1 , "metrics" : { } , "logs" : [ "earlier" ] , "messages" : [ ] }"#,
            #"{"reward":0.5,"metrics":{"ruler_score":0.1,"independent_reward":0.9},"logs":null,"gavel":{"old":true}}"#,
            #"{"reward":null,"metrics":null,"logs":"text","messages":[]}"#,
            #"{"messages":[],"metrics":[1,2],"reward":-2.5e-3,"tools":[{"type":"function"}],"extra":{"nested":{"reward":7}}}"#,
            #"{}"#,
            "{\"reward\":0.0,\n\"logs\":[],\t\"messages\":[{\"content\":\"é😀 \\u00e9 \\\\\"}]}",
        ])
    func sameAsTree(_ record: String) throws {
        let (spliced, tree) = try Self.both(record)
        let s = try #require(spliced, "did not splice: \(record)")
        #expect(try JSONParser.parse(s) == JSONParser.parse(tree), "\(s)\nvs\n\(tree)")
    }

    @Test("group lines splice every member")
    func groupLine() throws {
        let record = #"{"trajectories":[{"reward":0,"messages":[]},{"messages":[],"logs":["x"]}],"exceptions":[]}"#
        let (spliced, tree) = try Self.both(record, group: true, count: 2)
        let s = try #require(spliced)
        #expect(try JSONParser.parse(s) == JSONParser.parse(tree))
    }

    @Test("unscored records only get gavel.error")
    func errors() throws {
        let (spliced, tree) = try Self.both(#"{"reward":0.2,"messages":[]}"#, error: .notJudged)
        let s = try #require(spliced)
        #expect(s == #"{"reward":0.2,"messages":[],"gavel":{"group":"g\u003c1\u003e","error":"not judged"}}"#)
        #expect(try JSONParser.parse(s) == JSONParser.parse(tree))
    }

    @Test("original bytes pass through untouched")
    func passThrough() throws {
        let record = #"{"messages":[{"role":"user","content":"<b>bold</b> & \/ \u0041"}], "reward" : 0.0}"#
        let s = try #require(try Self.both(record).spliced)
        #expect(s.hasPrefix(#"{"messages":[{"role":"user","content":"<b>bold</b> & \/ \u0041"}], "reward" : 0.75"#))
    }

    @Test(
        "escaped or duplicate keys and broken structure fall back to the tree path",
        arguments: [
            #"{"rew\u0061rd":0.1,"messages":[]}"#,
            #"{"reward":0.1,"reward":0.2}"#,
            #"{"reward":0.1,"messages":[}"#,
            #"{"reward":0.1} trailing"#,
        ])
    func fallback(_ record: String) throws {
        var w = JSONWriter()
        #expect(
            !RecordSplicer.splice(Array(record.utf8), annotations: [Self.annotation()], isGroupLine: false, context: Self.context, into: &w)
        )
        #expect(w.bytes.isEmpty)
    }
}
