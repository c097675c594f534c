import Foundation
import GavelTesting
import Testing

@testable import GavelCache

@Suite("Disk cache of judge responses")
struct JudgeCacheTests {
    /// Runs `gavel rank` on `input` with the given cache folder against the simulator; returns the result.
    static func rank(
        _ input: String, output: String, cache: String, sim: JudgeSimulator, extra: [String] = [], env: [String: String] = [:]
    ) async throws -> ProcessResult {
        try await runProduct(
            "gavel",
            ["rank", input, "-o", output, "--judge", "openai/sim", "--api-base", sim.baseURL, "--cache-dir", cache, "--concurrency", "8"]
                // Number scores: the simulator then answers each trajectory's exact quality, the truth these tests compare with.
                + ["--answer", "explained", "--grade", "number"] + extra, environment: env)
    }

    static func requests(_ sim: JudgeSimulator) -> Int { sim.stats.snapshot.requests }

    @Test("a rerun makes 0 requests and writes the same output; a shuffled file makes 0 requests")
    func rerunAndShuffle() async throws {
        let data = SyntheticTrajectories(groups: 30, groupSize: 4, toolTurns: 1, toolResultChars: 20)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.trajectoryLines())
        let shuffled = try dir.write("shuffled.jsonl", data.trajectoryLines(shuffled: true))
        let cache = dir.path("cache")
        try await withSimulator { sim in
            let first = try await Self.rank(input, output: dir.path("1.jsonl"), cache: cache, sim: sim)
            #expect(first.status == 0, "stderr: \(first.stderr)")
            #expect(Self.requests(sim) == 30)
            #expect(first.stderr.contains("0 hits, 30 misses"))

            let second = try await Self.rank(input, output: dir.path("2.jsonl"), cache: cache, sim: sim)
            #expect(second.status == 0)
            #expect(Self.requests(sim) == 30, "the rerun called the judge")
            #expect(second.stderr.contains("30 hits, 0 misses"))
            let third = try await Self.rank(input, output: dir.path("3.jsonl"), cache: cache, sim: sim)
            #expect(third.status == 0)

            let one = try dir.read("1.jsonl"), two = try dir.read("2.jsonl"), three = try dir.read("3.jsonl")
            // Byte-identical but for the cached marker, which says where the answer came from.
            #expect(two == one.replacingOccurrences(of: "\"cached\":false", with: "\"cached\":true"))
            #expect(!one.contains("\"cached\":true") && !two.contains("\"cached\":false"))
            #expect(three == two)

            let reordered = try await Self.rank(shuffled, output: dir.path("s.jsonl"), cache: cache, sim: sim)
            #expect(reordered.status == 0)
            #expect(Self.requests(sim) == 30, "a reordered file missed the cache")
        }
    }

    @Test("changing the rubric, model, temperature or one message re-judges exactly the affected groups")
    func invalidation() async throws {
        let data = SyntheticTrajectories(groups: 10, groupSize: 3, toolTurns: 1, toolResultChars: 20)
        let dir = try TempDir()
        let text = data.trajectoryLines()
        let input = try dir.write("in.jsonl", text)
        // One message changed in one trajectory of group g000003.
        var lines = text.split(separator: "\n").map(String.init)
        lines[10] = lines[10].replacingOccurrences(of: "June", with: "July")
        let edited = try dir.write("edited.jsonl", lines.joined(separator: "\n") + "\n")
        let cache = dir.path("cache")
        try await withSimulator { sim in
            _ = try await Self.rank(input, output: dir.path("o.jsonl"), cache: cache, sim: sim)
            #expect(Self.requests(sim) == 10)
            _ = try await Self.rank(edited, output: dir.path("o.jsonl"), cache: cache, sim: sim)
            #expect(Self.requests(sim) == 11, "one edited group should be re-judged, no more")
            _ = try await Self.rank(
                input, output: dir.path("o.jsonl"), cache: cache, sim: sim, extra: ["--rubric-text", "Prefer short answers."])
            #expect(Self.requests(sim) == 21)
            _ = try await Self.rank(input, output: dir.path("o.jsonl"), cache: cache, sim: sim, extra: ["--temperature", "0.3"])
            #expect(Self.requests(sim) == 31)
            _ = try await runProduct(
                "gavel",
                [
                    "rank", input, "-o", dir.path("o.jsonl"), "--judge", "openai/other-model", "--api-base", sim.baseURL, "--cache-dir",
                    cache,
                ])
            #expect(Self.requests(sim) == 41)
            // And every variant is now cached.
            _ = try await Self.rank(edited, output: dir.path("o.jsonl"), cache: cache, sim: sim)
            _ = try await Self.rank(input, output: dir.path("o.jsonl"), cache: cache, sim: sim, extra: ["--temperature", "0.3"])
            #expect(Self.requests(sim) == 41)
        }
    }

    @Test("two processes sharing one cache lose nothing and corrupt nothing")
    func concurrentProcesses() async throws {
        let data = SyntheticTrajectories(groups: 60, groupSize: 3, toolTurns: 1, toolResultChars: 20)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.trajectoryLines())
        let cache = dir.path("cache")
        try await withSimulator(.init(latencyMs: 5)) { sim in
            let outA = dir.path("a.jsonl"), outB = dir.path("b.jsonl")
            async let a = Task.detached { try await Self.rank(input, output: outA, cache: cache, sim: sim) }.value
            async let b = Task.detached { try await Self.rank(input, output: outB, cache: cache, sim: sim) }.value
            let (ra, rb) = try await (a, b)
            #expect(ra.status == 0 && rb.status == 0, "a: \(ra.stderr) b: \(rb.stderr)")
            let before = Self.requests(sim)
            #expect(before >= 60 && before <= 120)
            let again = try await Self.rank(input, output: dir.path("c.jsonl"), cache: cache, sim: sim)
            #expect(again.status == 0)
            #expect(Self.requests(sim) == before, "some answers were lost")
        }
        let entries = CacheMaintenance(directory: cache).entries()
        #expect(entries.count == 60)
        for e in entries {
            let data = try #require(FileManager.default.contents(atPath: e.path))
            let key = URL(fileURLWithPath: e.path).deletingPathExtension().lastPathComponent
            #expect(JudgeCache.decode(data, key: key, count: 3) != nil, "corrupt entry \(e.path)")
        }
        let temporaries = try FileManager.default.subpathsOfDirectory(atPath: cache).filter { $0.contains(".tmp-") }
        #expect(temporaries.isEmpty)
        let scoresA = try parseJSONL(try dir.read("a.jsonl")).map { ($0["gavel"] as? [String: Any])?["score"] as? Double }
        let scoresB = try parseJSONL(try dir.read("b.jsonl")).map { ($0["gavel"] as? [String: Any])?["score"] as? Double }
        #expect(scoresA == scoresB)
        #expect(scoresA == data.items().flatMap { $0 }.map(\.quality))
    }

    @Test("a hand-truncated entry is a logged miss and is replaced")
    func truncatedEntry() async throws {
        let data = SyntheticTrajectories(groups: 5, groupSize: 3, toolTurns: 1, toolResultChars: 20)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.trajectoryLines())
        let cache = dir.path("cache")
        try await withSimulator { sim in
            _ = try await Self.rank(input, output: dir.path("1.jsonl"), cache: cache, sim: sim)
            let victim = try #require(CacheMaintenance(directory: cache).entries().first)
            let full = try #require(FileManager.default.contents(atPath: victim.path))
            try full.prefix(full.count / 2).write(to: URL(fileURLWithPath: victim.path))
            let r = try await Self.rank(input, output: dir.path("2.jsonl"), cache: cache, sim: sim)
            #expect(r.status == 0)
            #expect(Self.requests(sim) == 6)
            #expect(r.stderr.contains("truncated or corrupt"))
            #expect(r.stderr.contains("1 corrupt entries replaced"))
            let repaired = try #require(FileManager.default.contents(atPath: victim.path))
            #expect(repaired.count > full.count / 2)
            _ = try await Self.rank(input, output: dir.path("3.jsonl"), cache: cache, sim: sim)
            #expect(Self.requests(sim) == 6)
        }
        #expect(
            try parseJSONL(try dir.read("2.jsonl")).map { ($0["gavel"] as? [String: Any])?["score"] as? Double }
                == data.items().flatMap { $0 }.map(\.quality))
    }

    @Test("entries are 0600 in 0700 folders and hold no API key; read/write/off modes behave")
    func permissionsAndModes() async throws {
        let secret = "sk-cache-SECRET-31337"
        let data = SyntheticTrajectories(groups: 4, groupSize: 2, toolTurns: 1, toolResultChars: 20)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.trajectoryLines())
        let cache = dir.path("cache")
        try await withSimulator { sim in
            _ = try await Self.rank(
                input, output: dir.path("o.jsonl"), cache: cache, sim: sim, extra: ["--cache", "read"], env: ["OPENAI_API_KEY": secret])
            #expect(CacheMaintenance(directory: cache).entries().isEmpty, "read mode stored entries")
            _ = try await Self.rank(input, output: dir.path("o.jsonl"), cache: cache, sim: sim, env: ["OPENAI_API_KEY": secret])
            #expect(Self.requests(sim) == 8)
            _ = try await Self.rank(input, output: dir.path("o.jsonl"), cache: cache, sim: sim, extra: ["--cache", "write"])
            #expect(Self.requests(sim) == 12, "write mode must not answer from the cache")
            _ = try await Self.rank(input, output: dir.path("o.jsonl"), cache: cache, sim: sim, extra: ["--cache", "off"])
            #expect(Self.requests(sim) == 16)
        }
        var info = stat()
        let entries = CacheMaintenance(directory: cache).entries()
        #expect(entries.count == 4)
        for e in entries {
            #expect(stat(e.path, &info) == 0 && info.st_mode & 0o777 == 0o600)
            let folder = URL(fileURLWithPath: e.path).deletingLastPathComponent().path
            #expect(stat(folder, &info) == 0 && info.st_mode & 0o777 == 0o700)
            #expect(!(try String(contentsOfFile: e.path, encoding: .utf8)).contains(secret))
        }
        #expect(stat(cache, &info) == 0 && info.st_mode & 0o777 == 0o700)
    }

    @Test("cache stats, prune and clear")
    func maintenance() async throws {
        let data = SyntheticTrajectories(groups: 6, groupSize: 2, toolTurns: 1, toolResultChars: 20)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.trajectoryLines())
        let cache = dir.path("cache")
        try await withSimulator { sim in _ = try await Self.rank(input, output: dir.path("o.jsonl"), cache: cache, sim: sim) }
        let stats = try await runProduct("gavel", ["cache", "stats", "--cache-dir", cache])
        #expect(stats.status == 0)
        #expect(stats.stdout.contains("entries   6"))
        #expect(stats.stdout.contains("0 hits, 6 misses"))
        // Age two entries by a day, then prune what is older than 12 hours.
        let entries = CacheMaintenance(directory: cache).entries()
        for e in entries.prefix(2) {
            var times = [timespec(tv_sec: time(nil) - 86400, tv_nsec: 0), timespec(tv_sec: time(nil) - 86400, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, e.path, &times, 0) == 0)
        }
        let pruned = try await runProduct("gavel", ["cache", "prune", "--cache-dir", cache, "--older-than", "12h"])
        #expect(pruned.stdout.contains("removed 2 entries"), "\(pruned.stdout) \(pruned.stderr)")
        let size = entries.dropFirst(2).first?.bytes ?? 0
        _ = try await runProduct("gavel", ["cache", "prune", "--cache-dir", cache, "--max-size", "\(size * 2 + 1)B"])
        #expect(CacheMaintenance(directory: cache).entries().count <= 2)
        let cleared = try await runProduct("gavel", ["cache", "clear", "--cache-dir", cache])
        #expect(cleared.status == 0)
        #expect(CacheMaintenance(directory: cache).entries().isEmpty)
        #expect(try await runProduct("gavel", ["cache", "prune", "--cache-dir", cache]).status == 2)
        #expect(CacheMaintenance.parseSize("2GB") == 2_000_000_000)
        #expect(CacheMaintenance.parseSize("1GiB") == 1 << 30)
        #expect(CacheMaintenance.parseAge("30d") == 2_592_000.0)
        #expect(CacheMaintenance.parseAge("soon") == nil)
    }

    @Test("clear and prune delete only cache entries, never other files in the folder")
    func foreignFilesSurvive() async throws {
        let data = SyntheticTrajectories(groups: 3, groupSize: 2, toolTurns: 1, toolResultChars: 20)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.trajectoryLines())
        let cache = dir.path("cache")
        try await withSimulator { sim in _ = try await Self.rank(input, output: dir.path("o.jsonl"), cache: cache, sim: sim) }
        let entries = CacheMaintenance(directory: cache).entries()
        #expect(entries.count == 3)
        let shard = URL(fileURLWithPath: entries[0].path).deletingLastPathComponent().lastPathComponent
        let key = String(repeating: shard, count: 32)
        try FileManager.default.createDirectory(atPath: dir.path("cache/ff"), withIntermediateDirectories: true)
        let foreign = [
            try dir.write("cache/notes.txt", "mine"),
            try dir.write("cache/\(shard)/notes.json", "{}"),
            try dir.write("cache/\(shard)/\(key).json", "not an entry, though named like one"),
            try dir.write("cache/\(shard)/.tmp-mine.txt", "a file of mine"),
            try dir.write(
                "cache/ff/\(String(repeating: "0", count: 64)).json", #"{"version":2,"key":"\#(String(repeating: "0", count: 64))"}"#),
        ]
        // Old enough for --older-than to match everything.
        for path in foreign + entries.map(\.path) {
            var times = [timespec(tv_sec: time(nil) - 86400 * 40, tv_nsec: 0), timespec(tv_sec: time(nil) - 86400 * 40, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        }
        let pruned = try await runProduct("gavel", ["cache", "prune", "--cache-dir", cache, "--older-than", "30d"])
        #expect(pruned.stdout.contains("removed 3 entries"), "\(pruned.stdout) \(pruned.stderr)")
        let cleared = try await runProduct("gavel", ["cache", "clear", "--cache-dir", cache])
        #expect(cleared.status == 0)
        for path in foreign { #expect(FileManager.default.fileExists(atPath: path), "\(path) was deleted") }
    }

    @Test("a run that stops on invalid input creates no cache folder; --dry-run and --show-prompt need no API key")
    func orderOfChecks() async throws {
        let dir = try TempDir()
        let input = try dir.write("bad.jsonl", "{oops\n")
        let cache = dir.path("never-made/cache")
        let bad = try await runProduct(
            "gavel", ["rank", input, "--judge", "openai/gpt-4o-mini", "--cache-dir", cache], environment: ["OPENAI_API_KEY": "sk-x"])
        #expect(bad.status == 2, "stderr: \(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("never-made")))

        let example = TestPaths.repo.appendingPathComponent("Examples/art-trajectory-lines.jsonl").path
        let dry = try await runProduct(
            "gavel", ["rank", example, "--judge", "openai/gpt-4o-mini", "--dry-run", "--cache-dir", cache], removing: ["OPENAI_API_KEY"])
        #expect(dry.status == 0, "stderr: \(dry.stderr)")
        #expect(dry.stdout.contains("calls") || dry.stderr.contains("calls"))
        let show = try await runProduct(
            "gavel", ["rank", example, "--judge", "anthropic/claude-sonnet-4-5", "--show-prompt", "g000000", "--cache-dir", cache],
            removing: ["ANTHROPIC_API_KEY"])
        #expect(show.status == 0, "stderr: \(show.stderr)")
        #expect(show.stdout.contains("<trajectory id=\"1\">"))
        #expect(!FileManager.default.fileExists(atPath: dir.path("never-made")), "a run that judged nothing made the cache folder")
        let unwritable = try await runProduct(
            "gavel", ["rank", example, "--judge", "openai/x", "--api-base", "http://127.0.0.1:9/v1", "--cache-dir", input + "/cache"])
        #expect(unwritable.status == 2)
        #expect(unwritable.stderr.contains("cannot use the cache folder"), "stderr: \(unwritable.stderr)")
    }
}
