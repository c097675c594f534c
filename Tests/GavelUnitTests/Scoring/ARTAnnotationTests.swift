import Foundation
import GavelJSON
import GavelTesting
import Testing

@testable import GavelScoring

/// The one table of ART's reward fields: the Python client mirrors it, and the tree and splicing
/// writers follow it alike.
@Suite struct ARTAnnotationTests {
    /// `NAME = "value"` lines of the Python client's table.
    static func pythonTable() throws -> [String: String] {
        let path = TestPaths.repo.appendingPathComponent("Clients/python/gavel_client/annotation.py").path
        var found: [String: String] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0].allSatisfy({ $0.isUppercase || $0 == "_" }), parts[1].hasPrefix("\""),
                parts[1].hasSuffix("\""), parts[1].count >= 2
            else { continue }
            found[parts[0]] = String(parts[1].dropFirst().dropLast())
        }
        return found
    }

    @Test func thePythonClientMirrorsTheTable() throws {
        #expect(try Self.pythonTable() == ARTAnnotation.mirrored)
    }

    @Test(arguments: [
        #"{"reward":0.5,"metrics":{"duration":3},"logs":["a"],"messages":[]}"#,
        #"{"messages":[]}"#,
        #"{"reward":1,"metrics":{"independent_reward":0.25,"ruler_score":9},"logs":null,"gavel":{"old":true},"messages":[]}"#,
        #"{"reward":null,"metrics":"not an object","logs":"nor a list","messages":[]}"#,
    ])
    func treeAndSplicerFollowTheTableAlike(record: String) throws {
        var a = ScoreStage.Annotation(group: "g")
        a.score = 0.75
        a.explanation = "better \"tools\""
        let context = ScoreStage.EncodeContext(judgeName: "j", advantage: .none)
        var tree = try #require(JSONParser.parse(record).objectValue)
        let before = tree
        ScoreStage.annotate(&tree, a, context: context)
        var w = JSONWriter()
        #expect(RecordSplicer.splice(Array(record.utf8), annotations: [a], isGroupLine: false, context: context, into: &w))
        #expect(try JSONParser.parse(w.bytes).objectValue == tree, "the splicer and the tree disagree")
        #expect(tree[ARTAnnotation.reward] == .double(0.75))
        if before[ARTAnnotation.metrics]?.objectValue != nil || before[ARTAnnotation.metrics] == nil {
            let metrics = try #require(tree[ARTAnnotation.metrics]?.objectValue)
            #expect(metrics[ARTAnnotation.scoreMetric] == .double(0.75))
            let kept = before[ARTAnnotation.metrics]?[ARTAnnotation.originalRewardMetric]
            #expect(metrics[ARTAnnotation.originalRewardMetric] == (kept ?? before[ARTAnnotation.reward] ?? .null))
        } else {
            #expect(tree[ARTAnnotation.metrics] == before[ARTAnnotation.metrics], "a metrics value of another type is left")
        }
        if before[ARTAnnotation.logs]?.stringValue != nil {
            #expect(tree[ARTAnnotation.logs] == before[ARTAnnotation.logs], "a logs value of another type is left")
        } else {
            #expect(tree[ARTAnnotation.logs]?.arrayValue?.last == .string("RULER explanation: better \"tools\""))
        }
        #expect(tree[ARTAnnotation.gavel]?["score"] == .double(0.75))
    }
}
