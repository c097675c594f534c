import Foundation
import GavelSupport
import GavelTesting
import Testing

@testable import Gavel
@testable import GavelCore
@testable import GavelCurl
@testable import GavelHTTP
@testable import GavelJudge

@Suite("Judges in the real world: faults, quirks, providers, fallbacks")
struct RealWorldJudgeTests {
    static let fast = JudgeSettings(maxRetries: 12, baseBackoff: .milliseconds(5), maxBackoff: .milliseconds(40))

    /// RULER's answer (explanations, JSON number scores): the tests of schema fallback, rescaling and
    /// out-of-range scores are about that format, not the default digit grades.
    static let numberScores = ["--answer", "explained", "--grade", "number"]

    @Test("500 groups under 30% mixed faults and 30% quirks all end with the simulator's scores")
    func faultsAndQuirks() async throws {
        let data = SyntheticTrajectories(groups: 500, groupSize: 4, toolTurns: 1, toolResultChars: 40, seed: 11)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.trajectoryLines(shuffled: true))
        let config = SimulatorConfiguration(
            fail429: 0.06, fail500: 0.06, malformed: 0.06, wrongIds: 0.06, dropConnection: 0.06, quirks: 0.3, retryAfterSeconds: 1, seed: 3)
        let summary = try await withSimulator(config) { sim in
            let judge = try simulatorJudge(sim, settings: Self.fast)
            let s = try await RankPipeline(
                options: RankOptions(inputs: [input], output: dir.path("out.jsonl"), concurrency: 64), judge: judge
            ).run()
            let faults = sim.stats.snapshot.faults
            for kind in ["429", "500", "malformed", "wrong_ids", "drop"] {
                #expect((faults[kind] ?? 0) > 0, "no \(kind) fault was injected")
            }
            #expect(sim.stats.snapshot.quirks.values.reduce(0, +) > 50)
            return s
        }
        #expect(summary.isComplete, "failed: \(summary.failedGroups), first: \(summary.firstFailure ?? "")")
        #expect(summary.judgedGroups == 500)
        // Retries are counted by cause.
        for cause: RetryCause in [.rateLimited, .serverError, .malformed, .wrongIDs, .transport(.connectionLost)] {
            #expect((summary.judge.retries[cause] ?? 0) > 0, "no retry counted for \(cause): \(summary.judge.retries)")
        }
        #expect(summary.judge.corrections > 0)
        let out = try parseJSONL(try dir.read("out.jsonl"))
        #expect(out.count == 2000)
        var quality: [String: Double] = [:]
        for item in data.items().flatMap({ $0 }) { quality[item.json] = item.quality }
        let raw = try dir.read("in.jsonl").split(separator: "\n").map(String.init)
        for (line, o) in zip(raw, out) {
            let score = (o["gavel"] as? [String: Any])?["score"] as? Double ?? -1
            #expect(abs(score - (quality[line] ?? -2)) < 1e-9)
        }
    }

    @Test("a server that rejects json_schema with 500 is handled by the fallback, logged once")
    func schemaFallback() async throws {
        let data = SyntheticTrajectories(groups: 20, groupSize: 3, toolTurns: 1, toolResultChars: 10)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.groupLines())
        try await withSimulator(.init(rejectJSONSchema: true)) { sim in
            let r = try await runProduct(
                "gavel",
                ["rank", input, "-o", dir.path("out.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL, "--concurrency", "8"]
                    + Self.numberScores)
            #expect(r.status == 0, "stderr: \(r.stderr)")
            #expect(r.stderr.components(separatedBy: "rejected response_format json_schema").count - 1 == 1, "stderr: \(r.stderr)")
            #expect((sim.stats.snapshot.faults["schema_rejected"] ?? 0) >= 1)
            #expect(sim.stats.snapshot.scored == 20)
        }
        let out = try parseJSONL(try dir.read("out.jsonl"))
        let truth = data.items()
        for (g, line) in out.enumerated() {
            let scores = (line["trajectories"] as? [[String: Any]] ?? []).map { ($0["gavel"] as? [String: Any])?["score"] as? Double ?? -1 }
            #expect(scores == truth[g].map(\.quality))
        }
    }

    @Test("the Anthropic Messages API path: forced tool call, x-api-key, usage counted")
    func anthropic() async throws {
        let data = SyntheticTrajectories(groups: 10, groupSize: 4, toolTurns: 1, toolResultChars: 10)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.trajectoryLines())
        try await withSimulator(.init(requiredKey: "anthropic-test-key")) { sim in
            let endpoint = try JudgeEndpoint.resolve(
                judge: "anthropic/claude-sim", apiBase: "http://127.0.0.1:\(sim.port)/v1",
                environment: ["ANTHROPIC_API_KEY": "anthropic-test-key"])
            #expect(endpoint.chatURL.hasSuffix("/v1/messages"))
            let judge = ChatJudge(endpoint: endpoint, settings: Self.fast, transport: try CurlTransport())
            let s = try await RankPipeline(options: RankOptions(inputs: [input], output: dir.path("out.jsonl")), judge: judge).run()
            #expect(s.isComplete)
            #expect(s.judge.usage.prompt > 0)
            #expect(sim.stats.snapshot.anthropicRequests == 10)
            let body = sim.stats.snapshot.recentBodies.last ?? ""
            #expect(body.contains("\"tool_choice\":{\"type\":\"tool\",\"name\":\"submit_scores\"}"))
            #expect(body.contains("\"system\":"))
        }
        let out = try parseJSONL(try dir.read("out.jsonl"))
        #expect(out.map { ($0["gavel"] as? [String: Any])?["score"] as? Double ?? -1 } == data.items().flatMap { $0 }.map(\.quality))
        #expect(out.allSatisfy { ($0["gavel"] as? [String: Any])?["judge"] as? String == "anthropic/claude-sim" })
    }

    @Test("Retry-After is honoured: the retry comes no sooner than the server asked")
    func retryAfter() async throws {
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", #"{"group_id":"g","messages":[{"role":"user","content":"x QUALITY=0.4"}]}"# + "\n")
        try await withSimulator(.init(retryAfterSeconds: 1, failFirst: 2)) { sim in
            let s = try await RankPipeline(
                options: RankOptions(inputs: [input], output: dir.path("out.jsonl")), judge: try simulatorJudge(sim, settings: Self.fast)
            ).run()
            #expect(s.isComplete)
            #expect(s.judge.retries[.rateLimited] == 2)
            let t = sim.stats.snapshot.arrivals
            #expect(t.count == 3)
            if t.count == 3 {
                #expect(t[1] - t[0] >= 1.0)
                #expect(t[2] - t[1] >= 1.0)
            }
        }
        #expect(RetryPolicy.retryAfter(HTTPResponse(status: 429, headers: [("retry-after", "7")])) == .seconds(7))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let future = now.addingTimeInterval(30)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        let fromDate = RetryPolicy.retryAfter(
            HTTPResponse(status: 429, headers: [("retry-after", formatter.string(from: future))]), now: now)
        #expect(fromDate == .seconds(30))
    }

    @Test("401 stops the run at once with one clear message, exit 3, key never printed")
    func unauthorized() async throws {
        let secret = "sk-wrong-SECRET-7f3a9"
        let data = SyntheticTrajectories(groups: 50, groupSize: 2, toolTurns: 1, toolResultChars: 10)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.trajectoryLines())
        try await withSimulator(.init(requiredKey: "the-right-key")) { sim in
            let r = try await runProduct(
                "gavel",
                ["rank", input, "-o", dir.path("out.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL, "--concurrency", "4"],
                environment: ["OPENAI_API_KEY": secret])
            #expect(r.status == 3)
            #expect(r.stderr.components(separatedBy: "HTTP 401").count - 1 == 1, "stderr: \(r.stderr)")
            #expect(r.stderr.contains("OPENAI_API_KEY") || r.stderr.contains("key"))
            #expect(!r.stderr.contains(secret) && !r.stdout.contains(secret))
            #expect(sim.stats.snapshot.requests <= 8, "kept calling after a 401: \(sim.stats.snapshot.requests)")
        }
        let out = try dir.read("out.jsonl")
        #expect(!out.contains(secret))
        #expect(try parseJSONL(out).count == 100)
    }

    @Test("--on-error skip marks failed groups and goes on; fail stops dispatching; no line is lost")
    func onError() async throws {
        let data = SyntheticTrajectories(groups: 30, groupSize: 2, toolTurns: 1, toolResultChars: 10)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.trajectoryLines())
        try await withSimulator(.init(malformed: 1)) { sim in
            let r = try await runProduct(
                "gavel",
                [
                    "rank", input, "-o", dir.path("skip.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL, "--on-error", "skip",
                    "--max-retries", "1", "--concurrency", "4",
                ] + Self.numberScores)  // a JSON answer that is not JSON gets no corrective turn: 2 calls a group
            #expect(r.status == 1)
            #expect(r.stderr.contains("30 group(s) failed"), "stderr: \(r.stderr)")
            let skipped = try parseJSONL(try dir.read("skip.jsonl"))
            #expect(skipped.count == 60)
            #expect(skipped.allSatisfy { (($0["gavel"] as? [String: Any])?["error"] as? String)?.contains("malformed") == true })
            #expect(skipped.allSatisfy { $0["reward"] as? Double == 0 })
            #expect(sim.stats.snapshot.requests == 60)

            sim.stats.reset()
            let f = try await runProduct(
                "gavel",
                [
                    "rank", input, "-o", dir.path("fail.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL, "--max-retries", "1",
                    "--concurrency", "2",
                ])
            #expect(f.status == 1)
            #expect(sim.stats.snapshot.requests < 60, "kept dispatching after a failure")
            let failed = try parseJSONL(try dir.read("fail.jsonl"))
            #expect(failed.count == 60)
            #expect(failed.contains { (($0["gavel"] as? [String: Any])?["error"] as? String)?.contains("on-error policy: fail") == true })
        }
    }

    @Test("a hung first request over plain http does not hold back the others: only it times out")
    func coldConnection() async throws {
        let data = SyntheticTrajectories(groups: 20, groupSize: 2, toolTurns: 1, toolResultChars: 10)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.trajectoryLines())
        try await withSimulator(.init(latencyMs: 100, hangFirst: 1)) { sim in
            let r = try await runProduct(
                "gavel",
                [
                    "rank", input, "-o", dir.path("out.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL,
                    "--concurrency", "8", "--timeout", "3", "--max-retries", "0", "--cache", "off",
                ])
            #expect(r.status == 1, "stderr: \(r.stderr)")
            #expect(r.stderr.contains("1 group(s) failed"), "stderr: \(r.stderr)")
            #expect(sim.stats.snapshot.requests == 20, "the server saw \(sim.stats.snapshot.requests) requests")
            #expect(sim.stats.snapshot.scored == 19)
            // The timed-out attempt counts as a call.
            #expect(summaryNumber(r.stderr, "judge calls") == 20, "stderr: \(r.stderr)")
        }
        let out = try parseJSONL(try dir.read("out.jsonl"))
        #expect(out.count == 40)
        #expect(out.filter { ($0["gavel"] as? [String: Any])?["error"] != nil }.count == 2)
    }

    @Test("an out-of-range score gets a corrective turn naming the rule; if it persists the group fails, never rescaled")
    func outOfRange() async throws {
        let data = SyntheticTrajectories(groups: 4, groupSize: 3, toolTurns: 1, toolResultChars: 10)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.trajectoryLines())
        try await withSimulator(.init(outOfRange: 1)) { sim in
            let r = try await runProduct(
                "gavel",
                [
                    "rank", input, "-o", dir.path("out.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL,
                    "--max-retries", "1", "--concurrency", "1", "--cache", "off", "--on-error", "skip",
                ] + Self.numberScores)
            #expect(r.status == 1, "stderr: \(r.stderr)")
            #expect(r.stderr.contains("4 group(s) failed"), "stderr: \(r.stderr)")
            #expect(r.stderr.contains("out_of_range"), "stderr: \(r.stderr)")
            #expect(
                sim.stats.snapshot.recentBodies.contains {
                    $0.contains("outside 0 to 1") && $0.contains("every score must be a number from 0 to 1")
                },
                "no corrective turn naming the rule")
        }
        let out = try parseJSONL(try dir.read("out.jsonl"))
        #expect(out.count == 12)
        #expect(out.allSatisfy { (($0["gavel"] as? [String: Any])?["error"] as? String)?.contains("out_of_range") == true })
    }

    @Test("answers on a 0-10 scale are rescaled and counted with their reason in the summary")
    func rescaleCounted() async throws {
        let dir = try TempDir()
        // Scores 0.2..0.9: on a 0-10 scale, unambiguous.
        var lines: [String] = []
        for g in 0..<20 {
            for q in ["0.2", "0.9"] {
                lines.append(
                    #"{"group_id":"g\#(g)","messages":[{"role":"user","content":"task \#(g)"},{"role":"assistant","#
                        + #""content":"QUALITY=\#(q)"}]}"#
                )
            }
        }
        let input = try dir.write("in.jsonl", lines.joined(separator: "\n"))
        try await withSimulator(.init(quirks: 1, seed: 7)) { sim in
            let r = try await runProduct(
                "gavel",
                ["rank", input, "-o", dir.path("out.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL, "--cache", "off"]
                    + Self.numberScores)
            #expect(r.status == 0, "stderr: \(r.stderr)")
            let quirks = sim.stats.snapshot.quirks
            let scale10 = quirks["scale10"] ?? 0, fractions = quirks["fraction_string"] ?? 0
            #expect(scale10 > 0 && fractions > 0, "quirks: \(quirks)")
            #expect(r.stderr.contains("rescaled answers  \(scale10 + fractions) ("), "stderr: \(r.stderr)")
            #expect(
                r.stderr.contains("0-10 scale: \(scale10)") && r.stderr.contains("stated as x/y or %: \(fractions)"), "stderr: \(r.stderr)")
        }
        let out = try parseJSONL(try dir.read("out.jsonl"))
        let scores = out.compactMap { (($0["gavel"] as? [String: Any])?["score"] as? Double).map { ($0 * 100).rounded() / 100 } }
        #expect(scores.count == 40)
        #expect(Set(scores) == [0.2, 0.9])
    }

    @Test("the summary adds up when interrupted: judged + failed + not judged = groups")
    func interruptedSummary() async throws {
        let data = SyntheticTrajectories(groups: 200, groupSize: 2, toolTurns: 1, toolResultChars: 10)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.trajectoryLines())
        // The simulator answers 20 requests and holds every later one open: the run cannot end before
        // the interrupt, however late a loaded machine delivers it.
        try await withSimulator(.init(hangAfter: 20)) { sim in
            let process = try ChildProcess(
                TestPaths.products.appendingPathComponent("gavel").path,
                [
                    "rank", input, "-o", dir.path("out.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL, "--concurrency", "4",
                    "--cache", "off",
                ], stdout: .null)
            // Once answers arrive gavel is surely past installing its signal handler (a SIGINT before that is
            // lost: a test runner's children may inherit SIGINT ignored). Waited for as an event, bounded at 60 s.
            #expect(
                await sim.stats.wait(until: { $0.scored >= 20 && ($0.faults["hang"] ?? 0) > 0 }),
                "20 answers and a held request did not come within 60 s")
            #expect(sim.stats.snapshot.scored == 20)
            process.send(SIGINT)
            // Waited for on a Dispatch thread: a blocked cooperative thread would hold up the other
            // tests' polling loops.
            let stderr = String(decoding: try await offload { process.readOutputs().stderr }, as: UTF8.self)
            #expect(try await offload { process.wait() } == 130)
            let counts = try #require(summaryGroups(stderr), "no summary in: \(stderr)")
            #expect(counts.groups == 200)
            #expect(counts.judged + counts.failed + counts.notJudged == 200, "stderr: \(stderr)")
            // An answer sent may still be in flight when the interrupt lands: at most the 4 connections' worth.
            #expect(counts.judged >= 16 && counts.judged <= 20 && counts.failed == 0, "stderr: \(stderr)")
        }
    }

    @Test("a reasoning judge (<think> with draft JSON inside, opened or not) gets every group scored right")
    func thinkingJudge() async throws {
        let data = SyntheticTrajectories(groups: 40, groupSize: 3, toolTurns: 1, toolResultChars: 10, seed: 5)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.trajectoryLines())
        let summary = try await withSimulator(.init(seed: 9, think: 1)) { sim in
            let s = try await RankPipeline(
                options: RankOptions(inputs: [input], output: dir.path("out.jsonl")), judge: try simulatorJudge(sim, settings: Self.fast)
            ).run()
            #expect(sim.stats.snapshot.quirks["think"] == 40)
            #expect(sim.stats.snapshot.recentBodies.isEmpty == false)
            return s
        }
        #expect(summary.isComplete && summary.judgedGroups == 40)
        #expect(summary.judge.calls == 40, "retries: \(summary.judge.retries)")
        var quality: [String: Double] = [:]
        for item in data.items().flatMap({ $0 }) { quality[item.json] = item.quality }
        let raw = try dir.read("in.jsonl").split(separator: "\n").map(String.init)
        for (line, o) in zip(raw, try parseJSONL(try dir.read("out.jsonl"))) {
            let score = (o["gavel"] as? [String: Any])?["score"] as? Double ?? -1
            #expect(abs(score - (quality[line] ?? -2)) < 1e-9)
        }
    }

    @Test("SIGINT mid-run leaves valid JSONL with every finished group, exit 130")
    func interrupt() async throws {
        // 300 groups at 4 × 2.5 calls/s would take 30 s: long enough that the interrupt lands mid-run even on a busy machine.
        let data = SyntheticTrajectories(groups: 300, groupSize: 2, toolTurns: 1, toolResultChars: 10)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.trajectoryLines())
        try await withSimulator(.init(latencyMs: 400)) { sim in
            let process = try ChildProcess(
                TestPaths.products.appendingPathComponent("gavel").path,
                [
                    "rank", input, "-o", dir.path("out.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL, "--concurrency", "4",
                    "--quiet", "--cache", "off",
                ], stdout: .null, stderr: .null)
            // As above: signal only once answers show gavel is running (bounded at 60 s).
            for _ in 0..<6000 where sim.stats.snapshot.scored < 8 { try await Task.sleep(for: .milliseconds(10)) }
            process.send(SIGINT)
            #expect(try await offload { process.wait() } == 130)
            #expect(sim.stats.snapshot.requests < 300)
        }
        let out = try parseJSONL(try dir.read("out.jsonl"))
        #expect(out.count == 600)
        let scored = out.filter { ($0["gavel"] as? [String: Any])?["score"] != nil }
        let interrupted = out.filter { (($0["gavel"] as? [String: Any])?["error"] as? String)?.contains("interrupted") == true }
        // Finished groups are written whole (two trajectories each); the simulator had answered several before the interrupt.
        #expect(scored.count >= 2 && scored.count % 2 == 0)
        #expect(scored.count + interrupted.count == 600)
    }

    @Test("endpoints: providers, defaults, keys and errors")
    func endpoints() throws {
        let env = ["OPENROUTER_API_KEY": "k1", "AZURE_API_BASE": "https://x.openai.azure.com/", "AZURE_API_KEY": "k2", "MY_KEY": "k3"]
        let or = try JudgeEndpoint.resolve(judge: "openrouter/anthropic/claude-3.5-sonnet", environment: env)
        #expect(or.model == "anthropic/claude-3.5-sonnet")
        #expect(or.chatURL == "https://openrouter.ai/api/v1/chat/completions")
        #expect(or.apiKey == "k1")
        let az = try JudgeEndpoint.resolve(judge: "azure/my-deploy", environment: env)
        #expect(az.chatURL == "https://x.openai.azure.com/openai/deployments/my-deploy/chat/completions?api-version=2024-10-21")
        #expect(az.authHeaders.first?.name == "api-key")
        #expect(try JudgeEndpoint.resolve(judge: "ollama/llama3", environment: [:]).chatURL == "http://localhost:11434/v1/chat/completions")
        #expect(try JudgeEndpoint.resolve(judge: "openai/x", apiKeyEnv: "MY_KEY", environment: env).apiKey == "k3")
        #expect(throws: ConfigurationError.self) { try JudgeEndpoint.resolve(judge: "groq/llama", environment: [:]) }
        #expect(throws: ConfigurationError.self) { try JudgeEndpoint.resolve(judge: "nomodel", environment: [:]) }
        #expect(!"\(or)".contains("k1"))
    }
}

@Suite("Rate limits")
struct RateLimitTests {
    @Test("--rpm spaces requests out: 6 calls at 120/min take at least 2 s of arrivals")
    func rpm() async throws {
        let data = SyntheticTrajectories(groups: 6, groupSize: 2, toolTurns: 1, toolResultChars: 10)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.trajectoryLines())
        try await withSimulator { sim in
            let endpoint = try JudgeEndpoint.resolve(judge: "openai/sim", apiBase: sim.baseURL, environment: [:])
            let judge = ChatJudge(
                endpoint: endpoint, transport: try CurlTransport(), rateLimiter: RateLimiter(requestsPerMinute: 120, tokensPerMinute: nil))
            let s = try await RankPipeline(options: RankOptions(inputs: [input], output: dir.path("o.jsonl"), concurrency: 6), judge: judge)
                .run()
            #expect(s.isComplete)
            let t = sim.stats.snapshot.arrivals.sorted()
            #expect(t.count == 6)
            // Two per second with a burst of two: the sixth call cannot come before 2 s.
            if let first = t.first, let last = t.last { #expect(last - first >= 1.9) }
        }
    }
}
