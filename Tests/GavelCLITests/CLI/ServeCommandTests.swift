import Foundation
import GavelHTTP
import GavelJSON
import GavelTesting
import Testing

/// `gavel serve` as a subprocess on a free loopback port, judging through the simulator.
@Suite("gavel serve")
struct ServeCommandTests {
    static let groupLine: String = {
        let text = (try? String(contentsOf: TestPaths.repo.appendingPathComponent("Examples/art-group-lines.jsonl"), encoding: .utf8)) ?? ""
        return String(text.split(separator: "\n").first ?? "")
    }()

    /// The example group with its first trajectory's last message changed by `tag`, so each variant is a new group.
    static func variant(_ tag: Int) throws -> [UInt8] {
        var object = try #require(JSONParser.parse(groupLine).objectValue)
        var items = try #require(object["trajectories"]?.arrayValue)
        var first = try #require(items[0].objectValue)
        var messages = try #require(first["messages_and_choices"]?.arrayValue)
        messages.append(.object(JSONObject(pairs: ["role": .string("assistant"), "content": .string("variant \(tag)")])))
        first["messages_and_choices"] = .array(messages)
        items[0] = .object(first)
        object["trajectories"] = .array(items)
        return JSONWriter.encode(.object(object))
    }

    static func json(_ response: HTTPResponse) throws -> JSONObject {
        try #require(JSONParser.parse(response.body).objectValue, "not a JSON object: \(response.bodyText)")
    }

    /// The `error.code` of an error answer.
    static func code(_ response: HTTPResponse) throws -> String? { try json(response)["error"]?["code"]?.stringValue }

    static func judgeFlags(_ sim: JudgeSimulator) -> [String] { ["--judge", "openai/sim-judge", "--api-base", sim.baseURL] }

    @Test("a group through /v1/rank equals the same group through gavel rank; the second request is a cache hit")
    func equalsRank() async throws {
        let dir = try TempDir()
        try await withSimulator { sim in
            try (Self.groupLine + "\n").write(toFile: dir.path("group.jsonl"), atomically: true, encoding: .utf8)
            for samples in ["1", "3"] {
                let ranked = try await runProduct(
                    "gavel",
                    [
                        "rank", dir.path("group.jsonl"), "-o", dir.path("ranked-\(samples).jsonl"), "--cache", "off", "-q", "--samples",
                        samples,
                    ]
                        + Self.judgeFlags(sim))
                #expect(ranked.status == 0, "\(ranked.stderr)")
                let line = try #require(
                    JSONParser.parse(String(contentsOfFile: dir.path("ranked-\(samples).jsonl"), encoding: .utf8)).objectValue)
                let expected = try #require(line["trajectories"]?.arrayValue).map { try #require($0["gavel"]?.objectValue) }

                let serve = try await ServeProcess(
                    Self.judgeFlags(sim) + ["--cache-dir", dir.path("cache-\(samples)"), "--samples", samples],
                    log: dir.path("serve-\(samples).log"))
                let before = sim.stats.snapshot.requests
                let first = try await serve.request("/v1/rank", body: Array(Self.groupLine.utf8))
                #expect(first.status == 200, "\(first.bodyText)")
                let answer = try Self.json(first)
                let scores = try #require(answer["scores"]?.arrayValue)
                #expect(scores.count == expected.count)
                for (got, want) in zip(scores, expected) {
                    #expect(got["score"]?.doubleValue == want["score"]?.doubleValue)
                    #expect(got["rank"]?.intValue == want["rank"]?.intValue)
                    #expect(got["advantage"]?.doubleValue == want["advantage"]?.doubleValue)
                    #expect(got["explanation"]?.stringValue == want["explanation"]?.stringValue)
                    if samples != "1" { #expect(got["score_spread"]?.doubleValue == want["score_spread"]?.doubleValue) }
                }
                #expect(answer["cached"] == .bool(false))
                let timing = first.header("server-timing") ?? ""
                #expect(timing.hasPrefix("judge;dur=") && timing.contains(", total;dur="), "Server-Timing: \(timing)")
                #expect(answer["judge"]?.stringValue == "openai/sim-judge")
                #expect(sim.stats.snapshot.requests - before == Int(samples))

                let second = try await serve.request("/v1/rank", body: Array(Self.groupLine.utf8))
                #expect(second.status == 200)
                #expect(try Self.json(second)["cached"] == .bool(true))
                #expect(try Self.json(second)["scores"] == answer["scores"])
                #expect(sim.stats.snapshot.requests - before == Int(samples), "the second request called the judge")

                let metrics = try await serve.request("/metrics").bodyText
                #expect(metrics.contains("gavel_cache_hits_total \(samples)"), "\(metrics)")
                #expect(metrics.contains("gavel_judge_calls_total \(samples)"))
                #expect(metrics.contains("gavel_judge_latency_seconds_count \(samples)"))
                #expect(metrics.contains("gavel_groups_total{result=\"cached\"} 1"))
                #expect(metrics.contains("gavel_requests_total{route=\"/v1/rank\",status=\"200\"} 2"))
                serve.process.send(SIGTERM)
                #expect(await serve.process.waitForExit(timeout: .seconds(30)) == 0, "\(serve.output)")
            }
        }
    }

    @Test("a pairwise tournament with a reference answer: the service ranks exactly as gavel rank, from one cache")
    func pairwiseWithReference() async throws {
        let dir = try TempDir()
        // The example group, carrying a reference answer on the group line.
        let line = Self.groupLine.replacingOccurrences(
            of: #"{"trajectories": "#, with: #"{"answer": "the booked flight", "trajectories": "#)
        #expect(line != Self.groupLine)
        try (line + "\n").write(toFile: dir.path("group.jsonl"), atomically: true, encoding: .utf8)
        try await withSimulator { sim in
            let flags = Self.judgeFlags(sim) + ["--compare", "pairwise", "--reference", "answer", "--cache-dir", dir.path("cache")]
            let ranked = try await runProduct("gavel", ["rank", dir.path("group.jsonl"), "-o", dir.path("ranked.jsonl"), "-q"] + flags)
            #expect(ranked.status == 0, "\(ranked.stderr)")
            let calls = sim.stats.snapshot.requests
            #expect(calls >= 8, "pairs in both orders: \(calls)")
            let shown = try await runProduct("gavel", ["rank", dir.path("group.jsonl"), "--show-prompt", "g000000"] + flags)
            #expect(shown.stdout.contains("<reference_answer>\n\"the booked flight\"\n</reference_answer>"), "\(shown.stdout)")
            let out = try #require(JSONParser.parse(String(contentsOfFile: dir.path("ranked.jsonl"), encoding: .utf8)).objectValue)
            let expected = try #require(out["trajectories"]?.arrayValue).map { try #require($0["gavel"]?.objectValue) }
            #expect(expected.allSatisfy { $0["answer"]?.stringValue == "scores+logprobs pairwise" })

            let serve = try await ServeProcess(flags, log: dir.path("serve.log"))
            let answer = try await serve.request("/v1/rank", body: Array(line.utf8))
            #expect(answer.status == 200, "\(answer.bodyText)")
            let scores = try #require(try Self.json(answer)["scores"]?.arrayValue)
            #expect(scores.map { $0["score"]?.doubleValue } == expected.map { $0["score"]?.doubleValue })
            #expect(try Self.json(answer)["cached"] == .bool(true), "the same pairs, the same cache entries")
            #expect(sim.stats.snapshot.requests == calls)
            serve.process.send(SIGTERM)
            #expect(await serve.process.waitForExit(timeout: .seconds(30)) == 0, "\(serve.output)")
        }
    }

    @Test("bad JSON, a missing or empty group, a bad trajectory, a 70 MiB body, unknown routes and rubrics get their codes")
    func badInput() async throws {
        let dir = try TempDir()
        try await withSimulator { sim in
            let serve = try await ServeProcess(Self.judgeFlags(sim) + ["--cache", "off"], log: dir.path("serve.log"))
            let cases: [(body: String, status: Int, code: String, path: String?)] = [
                ("{\"trajectories\": [", 400, "invalid_json", "$"),
                ("[1, 2]", 400, "invalid_request", "$"),
                ("{\"group\": 1}", 400, "missing_trajectories", "$.trajectories"),
                ("{\"trajectories\": []}", 400, "empty_group", "$.trajectories"),
                ("{\"trajectories\": {}}", 400, "invalid_request", "$.trajectories"),
                (
                    "{\"trajectories\": [{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}, {\"text\": 1}]}", 400,
                    "invalid_trajectory",
                    "$.trajectories[1]"
                ),
                (
                    "{\"trajectories\": [{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}], \"messages\": []}]}", 400,
                    "invalid_trajectory", "$.trajectories[0]"
                ),
                (
                    "{\"trajectories\": [{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}], \"samples\": 0}", 400,
                    "invalid_setting",
                    "$.samples"
                ),
                (
                    "{\"trajectories\": [{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}], \"advantage\": \"best\"}", 400,
                    "invalid_setting", "$.advantage"
                ),
                (
                    "{\"trajectories\": [{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}], \"rubric\": \"/etc/passwd\"}", 400,
                    "unknown_rubric", "$.rubric"
                ),
                (
                    "{\"trajectories\": [{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}], \"rubric\": \"no-such-rubric\"}",
                    400,
                    "unknown_rubric", "$.rubric"
                ),
            ]
            for c in cases {
                let response = try await serve.request("/v1/rank", body: Array(c.body.utf8))
                #expect(response.status == c.status, "\(c.body): \(response.bodyText)")
                let error = try #require(Self.json(response)["error"]?.objectValue, "\(c.body)")
                #expect(error["code"]?.stringValue == c.code, "\(c.body): \(response.bodyText)")
                #expect(error["path"]?.stringValue == c.path, "\(c.body): \(response.bodyText)")
                let message = error["message"]?.stringValue ?? ""
                #expect(!message.isEmpty)
            }
            #expect(!serve.output.contains("root:"), "a rubric path was read")
            let many = try await serve.request("/v1/rank/many", body: Array("{\"groups\": [{\"trajectories\": []}]}".utf8))
            #expect(many.status == 400)
            #expect(try Self.json(many)["error"]?["path"]?.stringValue == "$.groups[0].trajectories")

            // 70 MiB: over the 64 MiB default, refused without judging.
            let big =
                Array("{\"trajectories\": [{\"messages\": [{\"role\": \"user\", \"content\": \"".utf8)
                + [UInt8](repeating: UInt8(ascii: "x"), count: 70 << 20) + Array("\"}]}]}".utf8)
            let tooLarge = try await serve.request("/v1/rank", body: big)
            #expect(tooLarge.status == 413)
            #expect(try Self.code(tooLarge) == "body_too_large")
            let missing = try await serve.request("/v2/rank", body: Array("{}".utf8))
            #expect(missing.status == 404)
            #expect(try Self.code(missing) == "not_found")
            #expect(sim.stats.snapshot.requests == 0, "bad input reached the judge")
            // Still serving.
            #expect(try await serve.request("/healthz").status == 200)
        }
    }

    @Test("--max-body takes a size as gavel cache prune reads it; a bad one, or a port in use, is a usage error")
    func maxBody() async throws {
        let dir = try TempDir()
        try await withSimulator { sim in
            let serve = try await ServeProcess(
                Self.judgeFlags(sim) + ["--cache", "off", "--max-body", "64KiB"], log: dir.path("serve.log"))
            let small = try await serve.request("/v1/rank", body: Array(Self.groupLine.utf8))
            #expect(small.status == 200, "\(small.bodyText)")
            let body =
                Array("{\"trajectories\": [{\"messages\": [{\"role\": \"user\", \"content\": \"".utf8)
                + [UInt8](repeating: UInt8(ascii: "y"), count: 65 << 10) + Array("\"}]}]}".utf8)
            let large = try await serve.request("/v1/rank", body: body)
            #expect(large.status == 413)
            #expect(try Self.json(large)["error"]?["message"]?.stringValue?.contains("65536 bytes") == true, "\(large.bodyText)")
            // A port already taken is a usage error that says so.
            let taken = try await runProduct("gavel", ["serve", "--port", String(serve.port)] + Self.judgeFlags(sim))
            #expect(taken.status == 2)
            #expect(taken.stderr.contains("cannot listen on 127.0.0.1:\(serve.port)"), "\(taken.stderr)")
        }
        let bad = try await runProduct("gavel", ["serve", "--port", "0", "--max-body", "lots"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--max-body"), "\(bad.stderr)")
    }

    @Test("a bearer token guards every route; off loopback gavel serve refuses to start without one; the token is never printed")
    func token() async throws {
        let dir = try TempDir()
        let secret = "s3cret-\(UInt32.random(in: 0...UInt32.max))"
        try await withSimulator { sim in
            let serve = try await ServeProcess(
                Self.judgeFlags(sim) + ["--cache", "off", "--auth-token-env", "GAVEL_TEST_TOKEN", "--debug"], log: dir.path("serve.log"),
                environment: ["GAVEL_TEST_TOKEN": secret])
            for path in ["/healthz", "/metrics"] {
                let none = try await serve.request(path)
                #expect(none.status == 401)
                #expect(try Self.code(none) == "unauthorized")
                #expect(none.header("www-authenticate") == "Bearer")
                let wrong = try await serve.request(path, headers: [("Authorization", "Bearer \(secret)x")])
                #expect(wrong.status == 401)
                #expect(try await serve.request(path, headers: [("Authorization", "Bearer \(secret)")]).status == 200)
            }
            let refused = try await serve.request("/v1/rank", body: Array(Self.groupLine.utf8))
            #expect(refused.status == 401)
            let ranked = try await serve.request(
                "/v1/rank", body: Array(Self.groupLine.utf8), headers: [("Authorization", "Bearer \(secret)")])
            #expect(ranked.status == 200, "\(ranked.bodyText)")
            #expect(!serve.output.contains(secret), "the token reached the log")
        }
        let open = try await runProduct(
            "gavel", ["serve", "--host", "0.0.0.0", "--port", "0", "--judge", "openai/sim", "--api-base", "http://127.0.0.1:9/v1"])
        #expect(open.status == 2)
        #expect(open.stderr.contains("--auth-token-env"), "\(open.stderr)")
        let unset = try await runProduct(
            "gavel", ["serve", "--port", "0", "--auth-token-env", "GAVEL_NO_SUCH_TOKEN_VAR"], removing: ["GAVEL_NO_SUCH_TOKEN_VAR"])
        #expect(unset.status == 2)
        #expect(unset.stderr.contains("GAVEL_NO_SUCH_TOKEN_VAR"), "\(unset.stderr)")
    }

    @Test("/v1/rank/many answers each group as it finishes (JSON Lines) or all at the end, in request order")
    func many() async throws {
        let dir = try TempDir()
        try await withSimulator { sim in
            let serve = try await ServeProcess(Self.judgeFlags(sim) + ["--cache", "off"], log: dir.path("serve.log"))
            let groups = try (0..<3).map { try JSONParser.parse(Self.variant($0)) }
            var request = JSONObject()
            request["groups"] = .array(groups)
            request["advantage"] = .string("mean")
            let whole = try await serve.request("/v1/rank/many", body: JSONWriter.encode(.object(request)))
            #expect(whole.status == 200, "\(whole.bodyText)")
            let results = try #require(Self.json(whole)["results"]?.arrayValue)
            #expect(results.map { $0["index"]?.intValue } == [0, 1, 2])
            #expect(results.allSatisfy { $0["advantage_mode"]?.stringValue == "mean" && $0["scores"]?.arrayValue?.count == 4 })

            // A request's rubric brings its samples (math-reasoning: 3) unless the request says otherwise.
            var named = try #require(JSONParser.parse(Self.variant(9)).objectValue)
            named["rubric"] = .string("math-reasoning")
            let before = sim.stats.snapshot.requests
            let byRubric = try Self.json(try await serve.request("/v1/rank", body: JSONWriter.encode(.object(named))))
            #expect(byRubric["calls"]?.intValue == 3, "\(byRubric)")
            #expect(byRubric["scores"]?.arrayValue?.first?["score_spread"] != nil)
            #expect(sim.stats.snapshot.requests - before == 3)
            #expect(sim.stats.snapshot.recentBodies.last?.contains("final answer") == true, "the judge did not get the math rubric")
            named["samples"] = .int(1)
            named["rubric"] = .string("coding")
            let one = try Self.json(try await serve.request("/v1/rank", body: JSONWriter.encode(.object(named))))
            #expect(one["calls"]?.intValue == 1)
            #expect(one["scores"]?.arrayValue?.first?["score_spread"] == nil)

            request["stream"] = .bool(true)
            let streamed = try await serve.request("/v1/rank/many", body: JSONWriter.encode(.object(request)))
            #expect(streamed.status == 200)
            #expect(streamed.header("content-type") == "application/x-ndjson")
            let lines = try streamed.bodyText.split(separator: "\n").map { try #require(JSONParser.parse(String($0)).objectValue) }
            #expect(lines.compactMap { $0["index"]?.intValue }.sorted() == [0, 1, 2])
            for line in lines {
                let i = try #require(line["index"]?.intValue)
                #expect(line["scores"] == results[i]["scores"], "group \(i) differs between the two answers")
            }

            // One group's error is its own line, with the path of its problem; the others are answered.
            var second = try #require(groups[1].objectValue)
            second["rubric"] = .string("no-such-rubric")
            request["groups"] = .array([groups[0], .object(second)])
            let mixed = try await serve.request("/v1/rank/many", body: JSONWriter.encode(.object(request)))
            let mixedLines = try mixed.bodyText.split(separator: "\n").map { try #require(JSONParser.parse(String($0)).objectValue) }
            let failed = try #require(mixedLines.first { $0["index"]?.intValue == 1 })
            #expect(failed["error"]?["code"]?.stringValue == "unknown_rubric")
            #expect(failed["error"]?["path"]?.stringValue == "$.groups[1].rubric")
            #expect(mixedLines.first { $0["index"]?.intValue == 0 }?["scores"] == results[0]["scores"])
            // Every queue place was given back.
            #expect(try await serve.request("/metrics").bodyText.contains("gavel_groups_in_flight 0.0"))
        }
    }

    @Test("the queue answers 429 when full; a failing judge gives 502, a judge that times out 504")
    func queueAndJudgeFailures() async throws {
        let dir = try TempDir()
        // The judge never answers the first call, so its group holds the one queue place however slow the
        // machine is (no race against a latency): a second group finds the queue full.
        try await withSimulator(.init(hangFirst: 1)) { sim in
            let serve = try await ServeProcess(
                Self.judgeFlags(sim) + ["--cache", "off", "--max-queue", "1", "--max-retries", "0", "--timeout", "120"],
                log: dir.path("serve.log"))
            let held = Task { try? await serve.request("/v1/rank", body: try Self.variant(1)) }
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline, !(try await serve.request("/metrics").bodyText.contains("gavel_groups_in_flight 1.0")) {
                try await Task.sleep(for: .milliseconds(20))
            }
            let full = try await serve.request("/v1/rank", body: try Self.variant(2))
            #expect(full.status == 429, "\(full.bodyText)")
            #expect(try Self.code(full) == "queue_full")
            #expect(full.header("retry-after") == "1")
            #expect(serve.process.killAndWait(), "the service was gone before the held group was answered")
            _ = await held.value
        }
        // A judge slower than --timeout, with no retries left: 504.
        try await withSimulator(.init(latencyMs: 10_000)) { sim in
            let impatient = try await ServeProcess(
                Self.judgeFlags(sim) + ["--cache", "off", "--timeout", "1", "--max-retries", "0"], log: dir.path("serve-timeout.log"))
            let timedOut = try await impatient.request("/v1/rank", body: try Self.variant(3))
            #expect(timedOut.status == 504, "\(timedOut.bodyText)")
            #expect(try Self.code(timedOut) == "judge_timeout")
        }
        try await withSimulator(.init(fail500: 1)) { sim in
            let serve = try await ServeProcess(
                Self.judgeFlags(sim) + ["--cache", "off", "--max-retries", "1"], log: dir.path("serve-500.log"))
            let failed = try await serve.request("/v1/rank", body: Array(Self.groupLine.utf8))
            #expect(failed.status == 502, "\(failed.bodyText)")
            #expect(try Self.code(failed) == "judge_failed")
            let metrics = try await serve.request("/metrics").bodyText
            #expect(metrics.contains("gavel_judge_retries_total{cause=\"5xx\"} 1"), "\(metrics)")
            #expect(metrics.contains("gavel_groups_total{result=\"judge_failed\"} 1"))
        }
    }

    @Test("SIGTERM during 50 requests in flight: all 50 are answered, new connections are refused, exit 0")
    func gracefulShutdown() async throws {
        let dir = try TempDir()
        // The simulator answers nothing until all 50 calls are in flight at once, then each after 8 s: all
        // 50 overlap however slowly a loaded machine sends them (a latency alone once let the first
        // answers come back before the last request arrived), and the 8 s leave time to see it and signal.
        try await withSimulator(.init(latencyMs: 8000, holdUntilInFlight: 50)) { sim in
            let serve = try await ServeProcess(
                Self.judgeFlags(sim) + ["--cache-dir", dir.path("cache"), "--concurrency", "64"], log: dir.path("serve.log"))
            let answers = Task {
                try await withThrowingTaskGroup(of: HTTPResponse.self) { group in
                    for i in 0..<50 { group.addTask { try await serve.request("/v1/rank", body: try Self.variant(i)) } }
                    var all: [HTTPResponse] = []
                    for try await r in group { all.append(r) }
                    return all
                }
            }
            // Generous: in CI a debug gavel serve shares two cores with a real LLM judge and the other suites.
            let deadline = ContinuousClock.now + .seconds(85)
            while ContinuousClock.now < deadline, !(try await serve.request("/metrics").bodyText.contains("gavel_groups_in_flight 50.0")) {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(
                try await serve.request("/metrics").bodyText.contains("gavel_groups_in_flight 50.0"), "the 50 requests never were in flight"
            )
            serve.process.send(SIGTERM)
            let all = try await answers.value
            #expect(all.count == 50)
            #expect(all.allSatisfy { $0.status == 200 }, "\(all.filter { $0.status != 200 }.map(\.bodyText))")
            #expect(try all.allSatisfy { try Self.json($0)["scores"]?.arrayValue?.count == 4 })
            let status = await serve.process.waitForExit(timeout: .seconds(60))
            #expect(status == 0, "exit status \(status.map(String.init) ?? "unknown"): \(serve.output)")
            #expect(serve.output.contains("gavel serve: stopped"), "\(serve.output)")
            // The cache's run log was written on the way out.
            let log = try JSONParser.parse(String(contentsOfFile: dir.path("cache/last-run.json"), encoding: .utf8))
            #expect(log["misses"]?.intValue == 50, "\(log)")
        }
    }
    @Test("--max-cost: requests past the limit get 402 cost_limit, cached ones still answer; per window, Retry-After says when")
    func spendingLimit() async throws {
        let dir = try TempDir()
        // $1,000 per million tokens: a call on the example group costs about $2.
        let prices = try dir.write("prices.json", #"{"sim-judge": {"input": 1000, "output": 1000}}"#)
        try await withSimulator { sim in
            let serve = try await ServeProcess(
                Self.judgeFlags(sim) + ["--cache-dir", dir.path("cache"), "--prices", prices, "--max-cost", "5", "--concurrency", "1"],
                log: dir.path("serve.log"))
            var answered = 0, refused: HTTPResponse?
            for tag in 1...10 {
                let r = try await serve.request("/v1/rank", body: try Self.variant(tag))
                if r.status == 200 {
                    answered += 1
                } else {
                    refused = r
                    break
                }
            }
            let stop = try #require(refused, "ten groups at ~$2 each under a $5 limit were all answered")
            #expect((1...3).contains(answered), "\(answered) groups answered under $5")
            #expect(try stop.status == 402 && Self.code(stop) == "cost_limit", "\(stop.bodyText)")
            #expect(stop.header("retry-after") == nil, "a limit over the service's life has no next window")
            #expect(sim.stats.snapshot.requests == answered, "a call started past the limit")
            // The cache still answers what it holds, for nothing.
            let again = try await serve.request("/v1/rank", body: try Self.variant(1))
            #expect(try again.status == 200 && Self.json(again)["cached"] == .bool(true), "\(again.bodyText)")
            let metrics = try await serve.request("/metrics").bodyText
            #expect(metrics.contains("gavel_cost_limit_dollars 5.0"), "\(metrics)")
            let spentLine = try #require(metrics.split(separator: "\n").first { $0.hasPrefix("gavel_cost_dollars{scope=\"total\"}") })
            let spent = try #require(Double(spentLine.split(separator: " ").last ?? ""))
            #expect(spent > 0 && spent <= 5, "spent $\(spent) of $5")
        }
        // Per window: the 402 says when the next window begins.
        try await withSimulator { sim in
            let serve = try await ServeProcess(
                Self.judgeFlags(sim) + [
                    "--cache", "off", "--prices", prices, "--max-cost", "3", "--max-cost-window", "4s", "--concurrency", "1",
                ], log: dir.path("serve-window.log"))
            var refused: HTTPResponse?
            for tag in 1...10 {
                let r = try await serve.request("/v1/rank", body: try Self.variant(tag))
                if r.status != 200 {
                    refused = r
                    break
                }
            }
            let stop = try #require(refused)
            #expect(try stop.status == 402 && Self.code(stop) == "cost_limit", "\(stop.bodyText)")
            let wait = try #require(stop.header("retry-after").flatMap { Int($0) }, "no Retry-After: \(stop.bodyText)")
            // Judging again once the window ends is SpendingLimitTests' (an injected clock, no waiting).
            #expect((1...4).contains(wait))
        }
        // Bad values are usage errors; an unpriced judge cannot have a limit.
        for bad in [
            ["--max-cost", "-1"], ["--max-cost", "lots"], ["--max-cost", "1", "--max-cost-window", "soon"], ["--max-cost-window", "1h"],
        ] {
            let r = try await runProduct(
                "gavel", ["serve", "--judge", "openai/sim-judge", "--api-base", "http://127.0.0.1:9/v1", "--port", "0"] + bad)
            #expect(r.status == 2 && r.stderr.contains("--max-cost"), "\(bad): \(r.stderr)")
        }
        let unpriced = try await runProduct(
            "gavel", ["serve", "--judge", "openai/unpriced-judge", "--api-base", "http://127.0.0.1:9/v1", "--port", "0", "--max-cost", "1"])
        #expect(unpriced.status == 2 && unpriced.stderr.contains("unpriced-judge"), "\(unpriced.stderr)")
    }
}
