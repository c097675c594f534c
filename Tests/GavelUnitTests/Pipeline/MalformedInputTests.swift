import Foundation
import GavelTesting
import Testing

@testable import Gavel
@testable import GavelCore

/// Unit tests: the pipeline with a stub judge, no sockets.
@Suite("Malformed input: clear errors with file:line, or skipped")
struct MalformedInputTests {
    static let good = #"{"group_id":"g","messages":[{"role":"user","content":"q"},{"role":"assistant","content":"QUALITY=0.5"}]}"#
    static let good2 = #"{"group_id":"g","messages":[{"role":"user","content":"q"},{"role":"assistant","content":"QUALITY=0.25"}]}"#

    func run(
        _ text: String, skip: Bool = false, name: String = "in.jsonl", judge: StubJudge = .byText()
    ) async throws -> (RankSummary, TempDir) {
        let dir = try TempDir()
        let input = try dir.write(name, text)
        let summary = try await RankPipeline(
            options: RankOptions(inputs: [input], output: dir.path("out.jsonl"), skipInvalid: skip), judge: judge
        ).run()
        return (summary, dir)
    }

    @Test(
        "each bad line is an error naming file and line, and nothing is judged",
        arguments: [
            ("{\"group_id\":\"g\",\"messages\":[", "invalid JSON"),
            (#"{"group_id":"g","content":"no messages here"}"#, "no messages"),
            (#"{"messages":[{"role":"user","content":"q"}]}"#, "no group key"),
            (#"{"group_id":"g","messages":[]}"#, "is empty"),
            (#"{"group_id":"g","messages":"hello"}"#, "must be an array"),
            (#"[1,2,3]"#, "expected a JSON object"),
            (#"{"group_id":"g","messages":[{"content":"no role"}]}"#, "no \"role\""),
            (#"{"group_id":"g","reward":1,"messages":[{"role":"user","content":"q"}],"reward":0}"#, "duplicate key \"reward\""),
            (#"{"group_id":"g","messages":[{"role":"user","content":"q"}],"metrics":{},"metrics":{}}"#, "duplicate key \"metrics\""),
            (#"{"group_id":"g","group_id":"h","messages":[{"role":"user","content":"q"}]}"#, "duplicate key \"group_id\""),
            (
                #"{"metadata":{"group_id":"g","group_id":"h"},"messages":[{"role":"user","content":"q"}]}"#,
                "duplicate key \"metadata.group_id\""
            ),
            (
                #"{"trajectories":[{"messages":[{"role":"user","content":"q"}],"gavel":1,"gavel":2}]}"#,
                "trajectories[0]: duplicate key \"gavel\""
            ),
        ])
    func badLine(_ bad: String, _ expected: String) async throws {
        do {
            let judge = StubJudge.byText()
            let error = await #expect(throws: InputError.self) {
                _ = try await run([Self.good, bad, Self.good2].joined(separator: "\n"), judge: judge)
            }
            #expect(error?.line == 2)
            #expect(error?.description.contains("in.jsonl:2: ") == true, "got: \(String(describing: error))")
            #expect(error?.description.contains(expected) == true, "got: \(String(describing: error))")
            #expect(judge.callCount == 0)
        }
    }

    @Test("--on-invalid skip logs and skips bad lines; the rest is ranked")
    func skip() async throws {
        do {
            let judge = StubJudge.byText()
            let (summary, dir) = try await run(
                [Self.good, "not json", #"{"messages":[{"role":"user","content":"q"}]}"#, Self.good2].joined(separator: "\n"), skip: true,
                judge: judge)
            #expect(summary.skippedLines == 2)
            #expect(summary.trajectories == 2)
            #expect(summary.isComplete)
            let out = try parseJSONL(try dir.read("out.jsonl"))
            #expect(out.map { ($0["gavel"] as? [String: Any])?["score"] as? Double } == [0.5, 0.25])
        }
    }

    @Test("an empty file is an error")
    func empty() async throws {
        do {
            let judge = StubJudge.byText()
            let error = await #expect(throws: InputError.self) { _ = try await run("\n\n", judge: judge) }
            #expect(error?.description.contains("no trajectories found") == true)
        }
    }

    @Test("a 10 MB line is ranked; a broken 10 MB line is an error with its line number")
    func hugeLine() async throws {
        let filler = String(repeating: "x", count: 10 << 20)
        let big =
            #"{"group_id":"g","messages":[{"role":"user","content":"q"},{"role":"tool","content":"\#(filler)"},{"role":"assistant","#
            + #""content":"QUALITY=0.75"}]}"#
        do {
            let judge = StubJudge.byText()
            let (summary, dir) = try await run([Self.good, big, Self.good2].joined(separator: "\n") + "\n", judge: judge)
            #expect(summary.isComplete)
            let out = try parseJSONL(try dir.read("out.jsonl"))
            #expect(out.map { ($0["gavel"] as? [String: Any])?["score"] as? Double } == [0.5, 0.75, 0.25])
            #expect(((out[1]["messages"] as? [[String: Any]])?[1]["content"] as? String)?.count == 10 << 20)

            let broken = String(big.dropLast(3))
            let error = await #expect(throws: InputError.self) {
                _ = try await run([Self.good, Self.good2, broken].joined(separator: "\n"), judge: judge)
            }
            #expect(error?.description.contains("in.jsonl:3: invalid JSON") == true, "got: \(String(describing: error))")
        }
    }

    @Test("a line over --max-line-bytes is refused with its line number")
    func lineTooLong() async throws {
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", Self.good + "\n" + String(repeating: "y", count: 5000) + "\n")
        do {
            let judge = StubJudge.byText()
            let error = await #expect(throws: InputError.self) {
                _ = try await RankPipeline(options: RankOptions(inputs: [input], output: dir.path("o"), maxLineBytes: 1024), judge: judge)
                    .run()
            }
            #expect(error?.description.contains("in.jsonl:2: line is longer than 1024 bytes") == true, "got: \(String(describing: error))")
        }
    }

    @Test("a missing input file is a clear error")
    func missingFile() async throws {
        do {
            let judge = StubJudge.byText()
            let error = await #expect(throws: InputError.self) {
                _ = try await RankPipeline(options: RankOptions(inputs: ["/nonexistent/x.jsonl"]), judge: judge).run()
            }
            #expect(error?.description == "/nonexistent/x.jsonl: cannot open: No such file or directory")
        }
    }

    @Test("CRLF line endings and blank lines are accepted")
    func crlf() async throws {
        do {
            let judge = StubJudge.byText()
            let (summary, dir) = try await run(Self.good + "\r\n\r\n" + Self.good2 + "\r\n", judge: judge)
            #expect(summary.trajectories == 2)
            #expect(try parseJSONL(try dir.read("out.jsonl")).count == 2)
        }
    }
}
