import Foundation
import GavelJSON
import GavelTesting
import Testing

@testable import GavelCore

/// The shared PostgreSQL cache, against real throw-away PostgreSQL 15 clusters (one per test, so a
/// test may stop its server).
@Suite(
    "PostgreSQL cache and shards",
    .enabled(if: PostgresServer.available, "needs PostgreSQL 15's server binaries (apt install postgresql; .ci/run does)"))
struct PostgresCacheTests {
    static func input(_ dir: TempDir, groups: Int) throws -> String {
        try dir.write("in.jsonl", SyntheticTrajectories(groups: groups, groupSize: 4, toolTurns: 1).trajectoryLines(shuffled: true))
    }

    @Test("four shards at once against one PostgreSQL cache merge into the single-process output; rerunning them calls nothing")
    func fourShards() async throws {
        let dir = try TempDir()
        // The cluster .ci/run started (the only test that uses it), else one of its own.
        let shared = ProcessInfo.processInfo.environment["GAVEL_TEST_POSTGRES_URL"]
        let db: PostgresServer? = shared == nil ? try await PostgresServer() : nil
        let input = try Self.input(dir, groups: 40)
        try await withSimulator(.init(latencyMs: 20)) { sim in
            let judge = ["--judge", "openai/sim-judge", "--api-base", sim.baseURL, "-q"]
            let single = try await runProduct("gavel", ["rank", input, "-o", dir.path("single.jsonl"), "--cache", "off"] + judge)
            #expect(single.status == 0, "\(single.stderr)")
            let parts = (0..<4).map { dir.path("part-\($0).jsonl") }
            let url = try #require(shared ?? db?.url())
            _ = try await runProduct("gavel", ["cache", "clear", "--cache-url", url])
            func shards() async throws -> [ProcessResult] {
                try await withThrowingTaskGroup(of: ProcessResult.self) { group in
                    for i in 0..<4 {
                        let args = ["rank", input, "--shard", "\(i)/4", "-o", parts[i], "--cache-url", url] + judge
                        group.addTask { try await runProduct("gavel", args) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            let before = sim.stats.snapshot.requests
            for r in try await shards() { #expect(r.status == 0, "\(r.stderr)") }
            #expect(sim.stats.snapshot.requests - before == 40)
            let merge = try await runProduct(
                "gavel", ["merge"] + (0..<4).map { dir.path("part-\($0).jsonl") } + ["-o", dir.path("merged.jsonl")])
            #expect(merge.status == 0, "\(merge.stderr)")
            #expect(
                try Data(contentsOf: URL(fileURLWithPath: dir.path("merged.jsonl")))
                    == Data(contentsOf: URL(fileURLWithPath: dir.path("single.jsonl"))))
            let again = sim.stats.snapshot.requests
            for r in try await shards() { #expect(r.status == 0, "\(r.stderr)") }
            #expect(sim.stats.snapshot.requests == again, "a rerun of the shards called the judge")
        }
    }

    @Test("a shard killed mid-run leaves no output; rerun, it finishes from the shared cache and the merge is complete")
    func killedShard() async throws {
        let dir = try TempDir()
        let db = try await PostgresServer()
        let input = try Self.input(dir, groups: 80)
        // Slow enough that the kill lands mid-run even on a loaded machine (shard 1: ~20 groups, one at a time, 300 ms each).
        try await withSimulator(.init(latencyMs: 300)) { sim in
            let common = ["--judge", "openai/sim-judge", "--api-base", sim.baseURL, "--cache-url", db.url(), "-q", "--concurrency", "1"]
            let shard = try SpawnedProduct("gavel", ["rank", input, "--shard", "1/4", "-o", dir.path("part-1.jsonl")] + common)
            for _ in 0..<1000 where sim.stats.snapshot.requests < 3 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(shard.killAndWait(), "the shard had finished before it was to be killed")
            #expect(!FileManager.default.fileExists(atPath: dir.path("part-1.jsonl")), "a killed shard left a partial output")
            let judgedBeforeKill = sim.stats.snapshot.requests
            #expect(judgedBeforeKill >= 3)
            for i in [0, 2, 3] {
                let r = try await runProduct("gavel", ["rank", input, "--shard", "\(i)/4", "-o", dir.path("part-\(i).jsonl")] + common)
                #expect(r.status == 0, "\(r.stderr)")
            }
            let parts = (0..<4).map { dir.path("part-\($0).jsonl") }
            let short = try await runProduct("gavel", ["merge", parts[0], parts[2], parts[3], "-o", dir.path("m.jsonl")])
            #expect(short.status == 2)
            #expect(short.stderr.contains("input lines are missing (no output given for shard 1/4)"), "\(short.stderr)")
            let before = sim.stats.snapshot.requests
            let rerun = try await runProduct("gavel", ["rank", input, "--shard", "1/4", "-o", parts[1]] + common)
            #expect(rerun.status == 0, "\(rerun.stderr)")
            let header = try String(contentsOfFile: parts[1], encoding: .utf8).split(separator: "\n").first.map(String.init) ?? ""
            let shardGroups = (try JSONParser.parse(header)[Shard.headerField]?["shard_lines"]?.intValue ?? 0) / 4
            #expect(sim.stats.snapshot.requests - before < shardGroups, "the rerun found nothing of the killed run in the cache")
            let merge = try await runProduct("gavel", ["merge"] + parts + ["-o", dir.path("m.jsonl")])
            #expect(merge.status == 0, "\(merge.stderr)")
            #expect(try String(contentsOfFile: dir.path("m.jsonl"), encoding: .utf8).split(separator: "\n").count == 320)
        }
    }

    @Test(
        "a database down at the start: exit 3 before any judge call; gone mid-run: the run finishes and counts what it did not store"
    )
    func databaseDown() async throws {
        let dir = try TempDir()
        let db = try await PostgresServer()
        let input = try Self.input(dir, groups: 40)
        // ~6 s of judging (40 calls, 2 at a time, 300 ms each): the stop lands mid-run even on a loaded machine.
        try await withSimulator(.init(latencyMs: 300)) { sim in
            let common = ["--judge", "openai/sim-judge", "--api-base", sim.baseURL, "--cache-url", db.url(), "--concurrency", "2"]
            try await db.stop()
            let down = try await runProduct("gavel", ["rank", input, "-o", dir.path("a.jsonl")] + common)
            #expect(down.status == 3)
            #expect(
                down.stderr.contains("cannot reach the cache database postgres://postgres@127.0.0.1:\(db.port)/postgres"), "\(down.stderr)")
            #expect(sim.stats.snapshot.requests == 0)
            #expect(!FileManager.default.fileExists(atPath: dir.path("a.jsonl")))
            try await db.start()
            let stopper = Task {
                while sim.stats.snapshot.requests < 4 { try await Task.sleep(for: .milliseconds(10)) }
                try await db.stop()
            }
            let mid = try await runProduct("gavel", ["rank", input, "-o", dir.path("b.jsonl")] + common)
            try await stopper.value
            #expect(mid.status == 0, "\(mid.stderr)")
            #expect(try String(contentsOfFile: dir.path("b.jsonl"), encoding: .utf8).split(separator: "\n").count == 160)
            let notStored = summaryNumber(mid.stderr, "cache").map { _ in mid.stderr.contains("answers not stored") } ?? false
            #expect(notStored, "\(mid.stderr)")
        }
    }

    @Test("gavel cache stats, prune and clear work against PostgreSQL")
    func maintenance() async throws {
        let dir = try TempDir()
        let db = try await PostgresServer()
        let input = try Self.input(dir, groups: 10)
        try await withSimulator { sim in
            let run = try await runProduct(
                "gavel",
                [
                    "rank", input, "-o", dir.path("o.jsonl"), "--judge", "openai/sim-judge", "--api-base", sim.baseURL, "--cache-url",
                    db.url(),
                ])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let stats = try await runProduct("gavel", ["cache", "stats", "--cache-url", db.url()])
        #expect(stats.status == 0, "\(stats.stderr)")
        #expect(stats.stdout.contains("entries   10"), "\(stats.stdout)")
        #expect(stats.stdout.contains("last run  0 hits, 10 misses"), "\(stats.stdout)")
        let prune = try await runProduct("gavel", ["cache", "prune", "--older-than", "1h", "--cache-url", db.url()])
        #expect(prune.stdout.contains("removed 0 entries"), "\(prune.stdout)")
        let bySize = try await runProduct("gavel", ["cache", "prune", "--max-size", "1MB", "--cache-url", db.url()])
        #expect(bySize.status == 2)
        let clear = try await runProduct("gavel", ["cache", "clear", "--cache-url", db.url()])
        #expect(clear.stdout.contains("removed 10 entries"), "\(clear.stdout)")
        let after = try await runProduct("gavel", ["cache", "stats", "--cache-url", db.url()])
        #expect(after.stdout.contains("entries   0"), "\(after.stdout)")
        let withPassword = try await runProduct("gavel", ["cache", "stats", "--cache-url", "postgres://u:secret@127.0.0.1:1/x"])
        #expect(withPassword.status != 0 && !withPassword.stderr.contains("secret"), "\(withPassword.stderr)")
    }
}
