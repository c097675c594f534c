import Foundation
import GavelJSON
import GavelTesting
import Testing

@testable import GavelCore

/// `gavel rank --shard` and `gavel merge` with the disk cache (PostgreSQL: `PostgresCacheTests`).
@Suite("Shards and merge")
struct ShardTests {
    @Test("every group lands in exactly one shard, the same on every run; --shard auto reads the scheduler's variables")
    func shardsPartition() async throws {
        let keys = (0..<400).map { "group-\($0)" }
        let owners = keys.map { k in (0..<4).filter { Shard(index: $0, count: 4).holds(key: k) } }
        #expect(owners.allSatisfy { $0.count == 1 })
        let sizes = (0..<4).map { i in owners.filter { $0 == [i] }.count }
        #expect(sizes.allSatisfy { $0 > 60 }, "an uneven split: \(sizes)")

        let dir = try TempDir()
        let input = try dir.write("in.jsonl", SyntheticTrajectories(groups: 12, groupSize: 3, toolTurns: 1).trajectoryLines(shuffled: true))
        try await withSimulator { sim in
            let flags = ["--judge", "openai/sim-judge", "--api-base", sim.baseURL, "-q"]
            let k8s = try await runProduct(
                "gavel", ["rank", input, "--shard", "auto", "--shards", "3", "-o", dir.path("k.jsonl")] + flags,
                environment: ["JOB_COMPLETION_INDEX": "2"])
            #expect(k8s.status == 0, "\(k8s.stderr)")
            let header = try #require(
                try String(contentsOfFile: dir.path("k.jsonl"), encoding: .utf8).split(separator: "\n").first.map {
                    try JSONParser.parse(String($0))
                })
            #expect(header[Shard.headerField]?["shard"]?.intValue == 2 && header[Shard.headerField]?["shards"]?.intValue == 3)
            let slurm = try await runProduct(
                "gavel", ["rank", input, "--shard", "auto", "-o", dir.path("s.jsonl")] + flags,
                environment: ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4", "SLURM_ARRAY_TASK_COUNT": "3"])
            #expect(slurm.status == 0, "\(slurm.stderr)")
            #expect(try String(contentsOfFile: dir.path("s.jsonl"), encoding: .utf8).hasPrefix(#"{"gavel_shard":{"shard":1,"shards":3"#))
            let missing = try await runProduct("gavel", ["rank", input, "--shard", "auto", "-o", dir.path("x.jsonl")] + flags)
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("--shard auto found neither"), "\(missing.stderr)")
            let bad = try await runProduct("gavel", ["rank", input, "--shard", "4/4", "-o", dir.path("x.jsonl")] + flags)
            #expect(bad.status == 2)
            #expect(bad.stderr.contains("--shard 4/4: the index must be from 0 to 3"), "\(bad.stderr)")
            let garbled = try await runProduct("gavel", ["rank", input, "--shard", "two-of-four", "-o", dir.path("x.jsonl")] + flags)
            #expect(garbled.status == 2)
            #expect(garbled.stderr.contains("'two-of-four' is invalid for '--shard <I/N|auto>'"), "\(garbled.stderr)")
            let stray = try await runProduct(
                "gavel", ["rank", input, "--shard", "1/4", "--shards", "4", "-o", dir.path("x.jsonl")] + flags)
            #expect(stray.status == 2 && stray.stderr.contains("--shards goes with --shard auto"), "\(stray.stderr)")
        }
    }

    @Test("merge restores input order byte for byte, and refuses a missing or doubled shard, writing nothing")
    func mergeChecks() async throws {
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", SyntheticTrajectories(groups: 20, groupSize: 3, toolTurns: 1).trajectoryLines(shuffled: true))
        try await withSimulator { sim in
            let flags = ["--judge", "openai/sim-judge", "--api-base", sim.baseURL, "-q", "--cache", "off"]
            let single = try await runProduct("gavel", ["rank", input, "-o", dir.path("single.jsonl")] + flags)
            #expect(single.status == 0)
            for i in 0..<3 {
                let r = try await runProduct("gavel", ["rank", input, "--shard", "\(i)/3", "-o", dir.path("part-\(i).jsonl")] + flags)
                #expect(r.status == 0, "\(r.stderr)")
            }
        }
        let parts = (0..<3).map { dir.path("part-\($0).jsonl") }
        let merge = try await runProduct("gavel", ["merge"] + parts + ["-o", dir.path("merged.jsonl")])
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: dir.path("merged.jsonl")))
                == Data(contentsOf: URL(fileURLWithPath: dir.path("single.jsonl"))))
        let short = try await runProduct("gavel", ["merge", parts[0], parts[2], "-o", dir.path("short.jsonl")])
        #expect(short.status == 2)
        #expect(short.stderr.contains("input lines are missing (no output given for shard 1/3)"), "\(short.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("short.jsonl")))
        let twice = try await runProduct("gavel", ["merge", parts[0], parts[0], parts[1], parts[2], "-o", dir.path("twice.jsonl")])
        #expect(twice.status == 2)
        #expect(twice.stderr.contains("shard 0/3 is given twice"), "\(twice.stderr)")
        let partial = try await runProduct("gavel", ["merge", parts[0], parts[2], "-o", dir.path("partial.jsonl"), "--allow-partial"])
        #expect(partial.status == 0)
        #expect(partial.stderr.contains("missing (no output for shard 1/3)"), "\(partial.stderr)")
        let notShard = try await runProduct("gavel", ["merge", dir.path("single.jsonl")])
        #expect(notShard.status == 2)
    }
}
