import Foundation
import GavelJSON
import GavelTesting
import Testing

@testable import GavelBatch

/// `gavel batch submit | status | collect`, then `gavel rank`, against the simulator's batch APIs.
@Suite("Batch APIs")
struct BatchCommandTests {
    static let example = TestPaths.repo.appendingPathComponent("Examples/art-trajectory-lines.jsonl").path

    /// Output lines with `gavel.cached` taken out (the one field a batch-fed run may differ in).
    static func withoutCached(_ path: String) throws -> [JSONValue] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            var object = try #require(JSONParser.parse(String(line)).objectValue)
            if var gavel = object["gavel"]?.objectValue {
                gavel.members.removeAll { $0.key == "cached" }
                object["gavel"] = .object(gavel)
            }
            return .object(object)
        }
    }

    static func number(after label: String, in text: String) -> Int? {
        guard let r = text.range(of: label) else { return nil }
        return Int(text[..<r.lowerBound].split(whereSeparator: { !$0.isNumber }).last ?? "")
    }

    @Test(
        "submit → status → collect → rank gives a live run's output (but for gavel.cached), with 0 live calls",
        arguments: ["openai/sim-judge", "anthropic/sim-judge"])
    func roundTrip(judge: String) async throws {
        let dir = try TempDir()
        try await withSimulator(.init(batchDelay: 0.3)) { sim in
            let flags = ["--judge", judge, "--api-base", sim.baseURL, "--samples", "2"]
            let live = try await runProduct("gavel", ["rank", Self.example, "-o", dir.path("live.jsonl"), "--cache", "off", "-q"] + flags)
            #expect(live.status == 0, "\(live.stderr)")
            let cache = ["--cache-dir", dir.path("cache")]
            let submit = try await runProduct("gavel", ["batch", "submit", Self.example] + flags + cache)
            #expect(submit.status == 0, "\(submit.stderr)")
            #expect(submit.stdout.contains("4 calls, 0 in the cache, 4 submitted in 1 batch(es)"), "\(submit.stdout)")
            let status = try await runProduct("gavel", ["batch", "status"] + cache)
            #expect(status.status == 0, "\(status.stderr)")
            #expect(status.stdout.contains(judge), "\(status.stdout)")
            let collect = try await runProduct("gavel", ["batch", "collect", "--wait", "--poll-interval", "0.1"] + cache)
            #expect(collect.status == 0, "\(collect.stderr)")
            #expect(collect.stdout.contains("4 answers stored in the cache"), "\(collect.stdout)")
            #expect(sim.stats.snapshot.batches == 1)
            let before = sim.stats.snapshot.requests
            let rank = try await runProduct("gavel", ["rank", Self.example, "-o", dir.path("batch.jsonl"), "-q"] + flags + cache)
            #expect(rank.status == 0, "\(rank.stderr)")
            #expect(sim.stats.snapshot.requests == before, "the rank after collect called the judge live")
            #expect(try Self.withoutCached(dir.path("batch.jsonl")) == Self.withoutCached(dir.path("live.jsonl")))
        }
    }

    @Test("killing gavel while it waits loses nothing: collect works from the manifest, and a second collect is a no-op")
    func killAndCollect() async throws {
        let dir = try TempDir()
        // The batch is held in progress until after the kill, so submit is still waiting however
        // loaded the machine is (a 10 s batch once ended before a loaded run got to the kill).
        try await withSimulator(.init(batchDelay: 0.2, holdBatches: true)) { sim in
            let flags = ["--judge", "openai/sim-judge", "--api-base", sim.baseURL, "--cache-dir", dir.path("cache")]
            let log = dir.path("submit.log")
            let submit = try SpawnedProduct(
                "gavel", ["batch", "submit", Self.example, "--wait", "--poll-interval", "0.1"] + flags, output: log)
            let manifest = dir.path("cache/batches.json")
            for _ in 0..<400 where !FileManager.default.fileExists(atPath: manifest) { try await Task.sleep(for: .milliseconds(25)) }
            #expect(FileManager.default.fileExists(atPath: manifest), "submit wrote no manifest")
            #expect(
                submit.killAndWait(),
                "submit was no longer running when it was to be killed: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            sim.releaseBatches()
            let place = ["--cache-dir", dir.path("cache")]
            let collect = try await runProduct("gavel", ["batch", "collect", "--wait", "--poll-interval", "0.1"] + place)
            #expect(collect.status == 0, "\(collect.stderr)")
            #expect(collect.stdout.contains("2 answers stored in the cache"), "\(collect.stdout)")
            let again = try await runProduct("gavel", ["batch", "collect"] + place)
            #expect(again.status == 0)
            #expect(again.stdout.contains("nothing to collect"), "\(again.stdout)")
            let before = sim.stats.snapshot.requests
            let rank = try await runProduct(
                "gavel",
                ["rank", Self.example, "-o", dir.path("out.jsonl"), "--judge", "openai/sim-judge", "--api-base", sim.baseURL] + place)
            #expect(rank.status == 0, "\(rank.stderr)")
            #expect(sim.stats.snapshot.requests == before)
        }
    }

    @Test(
        "failed and expired requests are reported, and the next rank judges exactly those live",
        arguments: ["openai/sim-judge", "anthropic/sim-judge"])
    func errorsAndExpiry(judge: String) async throws {
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", SyntheticTrajectories(groups: 24, groupSize: 4, toolTurns: 1).trajectoryLines())
        try await withSimulator(.init(batchDelay: 0.2, batchErrors: 0.25, batchExpired: 0.2)) { sim in
            let flags = ["--judge", judge, "--api-base", sim.baseURL, "--cache-dir", dir.path("cache")]
            let submit = try await runProduct("gavel", ["batch", "submit", input, "--wait", "--poll-interval", "0.1"] + flags)
            #expect(submit.status == 0, "\(submit.stderr)")
            let collect = try await runProduct("gavel", ["batch", "collect", "--cache-dir", dir.path("cache")])
            #expect(collect.status == 0, "\(collect.stderr)")
            let stored = try #require(Self.number(after: "answers stored", in: collect.stdout), "\(collect.stdout)")
            let failed = try #require(Self.number(after: "failed,", in: collect.stdout), "\(collect.stdout)")
            let expired = try #require(Self.number(after: "expired", in: collect.stdout), "\(collect.stdout)")
            #expect(failed == 6 && expired == 5, "\(collect.stdout)")  // round(0.25 × 24), round(0.2 × 24)
            #expect(stored + failed + expired == 24)
            let before = sim.stats.snapshot.requests
            let rank = try await runProduct("gavel", ["rank", input, "-o", dir.path("out.jsonl")] + flags)
            #expect(rank.status == 0, "\(rank.stderr)")
            #expect(sim.stats.snapshot.requests - before == failed + expired)
            #expect(try Self.withoutCached(dir.path("out.jsonl")).count == 96)
        }
    }

    @Test("a batch whose completion window closes expires whole: collect says so, and rank judges every call live")
    func expiredBatch() async throws {
        let dir = try TempDir()
        try await withSimulator(.init(batchDelay: 30, batchWindow: 0.3)) { sim in
            let flags = ["--judge", "openai/sim-judge", "--api-base", sim.baseURL, "--cache-dir", dir.path("cache")]
            let submit = try await runProduct("gavel", ["batch", "submit", Self.example, "--wait", "--poll-interval", "0.1"] + flags)
            #expect(submit.status == 0, "\(submit.stderr)")
            let status = try await runProduct("gavel", ["batch", "status", "--cache-dir", dir.path("cache")])
            #expect(status.stdout.contains("expired"), "\(status.stdout)")
            let collect = try await runProduct("gavel", ["batch", "collect", "--cache-dir", dir.path("cache")])
            #expect(collect.stdout.contains("0 answers stored") && collect.stdout.contains("2 expired"), "\(collect.stdout)")
            let before = sim.stats.snapshot.requests
            let rank = try await runProduct("gavel", ["rank", Self.example, "-o", dir.path("out.jsonl"), "-q"] + flags)
            #expect(rank.status == 0, "\(rank.stderr)")
            #expect(sim.stats.snapshot.requests - before == 2)
        }
    }

    @Test("a panel sends one batch per member (OpenAI and Anthropic), and the rank after collect makes 0 calls")
    func panel() async throws {
        let dir = try TempDir()
        try await withSimulator(.init(batchDelay: 0.2)) { sim in
            let flags = [
                "--judge", "openai/sim-judge", "--judge", "anthropic/sim-judge", "--api-base", sim.baseURL, "--cache-dir",
                dir.path("cache"),
            ]
            let submit = try await runProduct("gavel", ["batch", "submit", Self.example, "--wait", "--poll-interval", "0.1"] + flags)
            #expect(submit.status == 0, "\(submit.stderr)")
            #expect(sim.stats.snapshot.batches == 2)
            let collect = try await runProduct("gavel", ["batch", "collect", "--cache-dir", dir.path("cache")])
            #expect(collect.stdout.contains("collected 2 batch(es): 4 answers stored"), "\(collect.stdout)")
            let before = sim.stats.snapshot.requests
            let rank = try await runProduct("gavel", ["rank", Self.example, "-o", dir.path("out.jsonl"), "-q"] + flags)
            #expect(rank.status == 0, "\(rank.stderr)")
            #expect(sim.stats.snapshot.requests == before)
        }
    }

    @Test("a small request limit splits the calls into several batches, all collected")
    func splitting() async throws {
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", SyntheticTrajectories(groups: 10, groupSize: 4, toolTurns: 1).trajectoryLines())
        try await withSimulator(.init(batchDelay: 0.2)) { sim in
            let flags = ["--judge", "openai/sim-judge", "--api-base", sim.baseURL, "--cache-dir", dir.path("cache")]
            let submit = try await runProduct(
                "gavel", ["batch", "submit", input] + flags, environment: ["GAVEL_BATCH_MAX_REQUESTS": "3"])
            #expect(submit.status == 0, "\(submit.stderr)")
            #expect(submit.stdout.contains("10 submitted in 4 batch(es)"), "\(submit.stdout)")
            let manifest = try BatchManifest.read(dir.path("cache/batches.json"))
            #expect(manifest.entries.map(\.calls.count) == [3, 3, 3, 1])
            let collect = try await runProduct(
                "gavel", ["batch", "collect", "--wait", "--poll-interval", "0.1", "--cache-dir", dir.path("cache")])
            #expect(collect.stdout.contains("collected 4 batch(es): 10 answers stored in the cache"), "\(collect.stdout)")
            // Submitting again sends nothing: every call is in the cache now.
            let again = try await runProduct("gavel", ["batch", "submit", input] + flags)
            #expect(again.stdout.contains("10 calls, 10 in the cache, 0 submitted"), "\(again.stdout)")
            #expect(sim.stats.snapshot.batches == 4)
        }
    }

    @Test("--dry-run --batch prices the calls at the map's batch price (half the live one for gpt-4o-mini)")
    func batchPrice() async throws {
        try await withSimulator { sim in
            let r = try await runProduct(
                "gavel", ["rank", Self.example, "--judge", "openai/gpt-4o-mini", "--api-base", sim.baseURL, "--dry-run", "--batch"])
            #expect(r.status == 0, "\(r.stderr)")
            func price(_ label: String) -> Double? {
                r.stdout.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label + " ") }
                    .flatMap { $0.split(separator: "$").dropFirst().first?.split(separator: " ").first }.flatMap { Double($0) }
            }
            let live = try #require(price("cost"), "\(r.stdout)")
            let batch = try #require(price("batch cost"), "\(r.stdout)")
            #expect(abs(batch - live / 2) <= 0.0001, "\(r.stdout)")
            let misuse = try await runProduct("gavel", ["rank", Self.example, "--batch"])
            #expect(misuse.status == 2)
        }
    }
}
