import Foundation
import GavelTesting
import Testing

@testable import GavelCache
@testable import GavelCore
@testable import GavelJSON
@testable import GavelSupport

/// A low open-file limit and a reader that goes away (`| head`), as a new user meets them.
@Suite("Limits and pipes: ulimit -n, | head")
struct LimitsAndPipesTests {
    static let gavel = TestPaths.products.appendingPathComponent("gavel").path

    /// Runs `script` under bash with the gavel binary as `$G`; returns the result.
    private func bash(_ script: String, _ extra: [String: String] = [:]) async throws -> ProcessResult {
        try await runProduct("/bin/bash", ["-c", script], environment: ["G": Self.gavel].merging(extra) { $1 })
    }

    @Test("--concurrency 1000 under a soft limit of 256 completes at the raised limit, without a warning")
    func softLimit() async throws {
        DescriptorLimit.raiseSoftLimit()  // the in-process simulator holds a socket per connection too
        let data = SyntheticTrajectories(groups: 300, groupSize: 2, toolTurns: 1, toolResultChars: 10)
        let dir = try TempDir()
        let input = try dir.write("many.jsonl", data.trajectoryLines())
        // Answers wait until 150 calls are in flight at once (more than 256 descriptors allow), so the
        // overlap does not depend on how loaded the machine is; without the raised limit they would wait 30 s.
        try await withSimulator(.init(holdUntilInFlight: 150)) { sim in
            let r = try await bash(
                "ulimit -Sn 256 && exec \"$G\" rank '\(input)' -o '\(dir.path("out.jsonl"))' --judge openai/sim --api-base "
                    + "'\(sim.baseURL)' --concurrency 1000 --cache off"
            )
            #expect(r.status == 0, "stderr: \(r.stderr)")
            #expect(!r.stderr.contains("open-file limit"), "stderr: \(r.stderr)")
            // More calls at once than 256 descriptors could hold (95): the limit was raised.
            #expect(sim.stats.snapshot.maxInFlight >= 150, "concurrency was not used: \(sim.stats.snapshot.maxInFlight)")
        }
        #expect(try parseJSONL(try dir.read("out.jsonl")).allSatisfy { ($0["gavel"] as? [String: Any])?["score"] != nil })
    }

    @Test("--concurrency 1000 under a hard limit of 256 completes at a lower concurrency, with one warning naming the limit")
    func hardLimit() async throws {
        DescriptorLimit.raiseSoftLimit()
        let data = SyntheticTrajectories(groups: 300, groupSize: 2, toolTurns: 1, toolResultChars: 10)
        let dir = try TempDir()
        let input = try dir.write("many.jsonl", data.trajectoryLines())
        try await withSimulator(.init(latencyMs: 100)) { sim in
            let r = try await bash(
                "ulimit -n 256 && exec \"$G\" rank '\(input)' -o '\(dir.path("out.jsonl"))' --judge openai/sim --api-base "
                    + "'\(sim.baseURL)' --concurrency 1000 --cache off"
            )
            #expect(r.status == 0, "stderr: \(r.stderr)")
            #expect(r.stderr.components(separatedBy: "does not fit the open-file limit of 256").count == 2, "stderr: \(r.stderr)")
            #expect(r.stderr.contains("ulimit -n"))
            #expect(sim.stats.snapshot.maxInFlight <= 256)
        }
        let out = try parseJSONL(try dir.read("out.jsonl"))
        #expect(out.count == 600)
        #expect(out.allSatisfy { ($0["gavel"] as? [String: Any])?["score"] != nil })
        #expect(DescriptorLimit.fittingConcurrency(1000, limit: 256, workers: 0, files: 1) == 95)
        #expect(DescriptorLimit.fittingConcurrency(1000, limit: 20, workers: 2, files: 1) == 1)
    }

    @Test("running out of descriptors is named as such, not blamed on the input file")
    func exhaustedMessage() {
        let error = InputError.cannotOpen(path: "many.jsonl", code: EMFILE)
        #expect(error.description.contains("ran out of file descriptors"))
        #expect(error.description.contains("ulimit -n"))
        #expect(!error.description.contains("Too many open files"))
    }

    @Test("gavel rank ... | head -c 100 stops judging, exits 141 with no error message, leaves valid cache entries")
    func brokenPipe() async throws {
        let data = SyntheticTrajectories(groups: 200, groupSize: 2, toolTurns: 1, toolResultChars: 10)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.trajectoryLines())
        let cache = dir.path("cache")
        try await withSimulator(.init(latencyMs: 100)) { sim in
            let r = try await bash(
                """
                "$G" rank '\(input)' --judge openai/sim --api-base '\(sim.baseURL)' --concurrency 4 --cache-dir '\(cache)' \
                  2>'\(dir.path("stderr.txt"))' | head -c 100 >'\(dir.path("head.txt"))'
                echo "gavel=${PIPESTATUS[0]}"
                """)
            let stderr = try dir.read("stderr.txt")
            #expect(r.stdout.contains("gavel=141"), "stdout: \(r.stdout) stderr: \(stderr)")
            #expect(!stderr.lowercased().contains("error"), "stderr: \(stderr)")
            #expect(
                stderr.split(separator: "\n").filter { !$0.hasPrefix("gavel: ") || $0.contains("closed") }.count <= 1, "stderr: \(stderr)")
            #expect(try dir.read("head.txt").utf8.count == 100)
            // Judging stopped early: far fewer than 200 calls at 4 × 10 calls/s.
            let requests = sim.stats.snapshot.requests
            #expect(requests < 100, "kept judging after the reader went away: \(requests) requests")
            let entries = CacheMaintenance(directory: cache).entries()
            #expect(!entries.isEmpty && entries.count <= requests)
            for e in entries {
                let text = try String(contentsOfFile: e.path, encoding: .utf8)
                #expect((try? JSONParser.parse(text))?["scores"]?.arrayValue?.count == 2, "invalid entry \(e.path)")
            }
        }
    }
}
