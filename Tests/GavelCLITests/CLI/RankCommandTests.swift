import Foundation
import GavelTesting
import Testing

/// The `gavel` executable, run as a user would: exit statuses, messages, stdin and stdout.
@Suite("gavel rank command line")
struct RankCommandTests {
    static let example = TestPaths.repo.appendingPathComponent("Examples/art-trajectory-lines.jsonl").path

    @Test("ranks the bundled example to stdout and exits 0")
    func example() async throws {
        try await withSimulator { sim in
            let r = try await runProduct(
                "gavel", ["rank", Self.example, "--judge", "openai/sim", "--api-base", sim.baseURL], removing: ["OPENAI_API_KEY"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            let lines = try parseJSONL(r.stdout)
            #expect(lines.count == 8)
            #expect(lines.allSatisfy { ($0["gavel"] as? [String: Any])?["rank"] is Int })
            #expect(r.stderr.contains("gavel rank summary"))
            #expect(r.stderr.contains("judge calls"))
        }
    }

    @Test("reads standard input with - and writes -o atomically")
    func stdinAndOutput() async throws {
        let dir = try TempDir()
        let text = try String(contentsOfFile: Self.example, encoding: .utf8)
        try await withSimulator { sim in
            let r = try await runProduct(
                "gavel", ["rank", "-", "-o", dir.path("out.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL, "--quiet"],
                stdin: text)
            #expect(r.status == 0, "stderr: \(r.stderr)")
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.isEmpty)
        }
        #expect(try parseJSONL(try dir.read("out.jsonl")).count == 8)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.contains("gavel-") }
        #expect(leftovers.isEmpty)
    }

    @Test("bad input exits 2 with file:line")
    func badInput() async throws {
        let dir = try TempDir()
        let input = try dir.write("bad.jsonl", "{\"group_id\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}\n{oops\n")
        try await withSimulator { sim in
            let r = try await runProduct("gavel", ["rank", input, "--judge", "openai/sim", "--api-base", sim.baseURL])
            #expect(r.status == 2)
            #expect(r.stderr.contains("bad.jsonl:2: invalid JSON"), "stderr: \(r.stderr)")
            #expect(r.stdout.isEmpty)
            #expect(sim.stats.snapshot.requests == 0)
        }
    }

    @Test("an unknown provider lists the known ones; a missing key names the variable")
    func configurationErrors() async throws {
        let unknown = try await runProduct("gavel", ["rank", Self.example, "--judge", "foo/bar"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown judge provider \"foo\""))
        #expect(unknown.stderr.contains("openai, anthropic, azure, openrouter"))
        let noKey = try await runProduct("gavel", ["rank", Self.example, "--judge", "openai/gpt-4o-mini"], removing: ["OPENAI_API_KEY"])
        #expect(noKey.status == 2)
        #expect(noKey.stderr.contains("set OPENAI_API_KEY"), "stderr: \(noKey.stderr)")
    }

    @Test(
        "usage errors exit 2",
        arguments: [
            ["rank"], ["rank", "x.jsonl", "--group-size", "0"], ["rank", "x.jsonl", "--group-size", "2", "--group-by", "a"],
            ["rank", "x.jsonl", "--advantage", "bogus"], ["rank", "x.jsonl", "--judge-param", "novalue"],
        ])
    func usage(_ args: [String]) async throws {
        let r = try await runProduct("gavel", args)
        #expect(r.status == 2, "status \(r.status), stderr: \(r.stderr)")
        #expect(!r.stderr.isEmpty)
    }

    @Test("an unreachable judge exits 3 with one clear message")
    func unreachable() async throws {
        let refusing = try RefusingPort()
        let port = refusing.port
        let r = try await runProduct(
            "gavel", ["rank", Self.example, "--judge", "openai/sim", "--api-base", "http://127.0.0.1:\(port)/v1", "--max-retries", "1"])
        #expect(r.status == 3, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("connection refused"))
        let counts = try #require(summaryGroups(r.stderr), "no summary in: \(r.stderr)")
        #expect(counts.groups == 2 && counts.judged + counts.failed + counts.notJudged == 2, "stderr: \(r.stderr)")
        // Every line is still written, marked not judged.
        let lines = try parseJSONL(r.stdout)
        #expect(lines.count == 8)
        #expect(lines.allSatisfy { (($0["gavel"] as? [String: Any])?["error"] as? String)?.isEmpty == false })
    }

    @Test("--help shows examples")
    func help() async throws {
        let r = try await runProduct("gavel", ["rank", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Examples:"))
        #expect(r.stdout.contains("gavel rank trajectories.jsonl"))
    }

    @Test("--pool inline, thread and process write byte-identical output, with samples and windows")
    func poolModes() async throws {
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", QualityGroups.lines(groups: 12, size: 5, shuffled: true))
        try await withSimulator(.init(noise: 0.1)) { sim in
            var outputs: [String: String] = [:]
            for mode in ["inline", "thread", "process"] {
                let r = try await runProduct(
                    "gavel",
                    [
                        "rank", input, "-o", dir.path("\(mode).jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL,
                        "--samples", "2", "--window", "4", "--pool", mode, "--workers", "2",
                    ])
                #expect(r.status == 0, "\(mode): \(r.stderr)")
                #expect(r.stderr.contains("score stage   \(mode)"), "\(mode): \(r.stderr)")
                outputs[mode] = try dir.read("\(mode).jsonl")
            }
            let lines = try parseJSONL(outputs["inline"] ?? "")
            #expect(lines.count == 60)
            #expect(lines.allSatisfy { (($0["gavel"] as? [String: Any])?["windows"] as? Int ?? 0) > 0 })
            #expect(outputs["thread"] == outputs["inline"])
            #expect(outputs["process"] == outputs["inline"])
        }
    }
}
