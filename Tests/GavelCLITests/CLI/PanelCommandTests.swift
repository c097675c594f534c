import Foundation
import GavelTesting
import Testing

/// Judge panels through the `gavel` executable — the release binary when `.ci/run` names it
/// (`GAVEL_TEST_PRODUCTS`): panels crashed in every release build while debug builds passed.
@Suite("gavel rank with a judge panel")
struct PanelCommandTests {
    /// Two judges that disagree: one with a strong position bias, one noisy with another seed.
    static let biased = SimulatorConfiguration(positionBias: 0.6)
    static let noisy = SimulatorConfiguration(seed: 9, noise: 0.25)

    /// Runs `gavel rank` on 6 groups of 4 with the two simulators as a panel (plus `extra` flags).
    static func rankWithPanel(_ extra: [String], check: ([[String: Any]], ProcessResult, Int) throws -> Void) async throws {
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", QualityGroups.lines(groups: 6, size: 4, shuffled: true))
        try await withSimulator(biased) { a in
            try await withSimulator(noisy) { b in
                let r = try await runProduct(
                    "gavel",
                    ["rank", input, "-o", dir.path("out.jsonl"), "--cache", "off", "--judge", "openai/biased@\(a.baseURL)",
                        "--judge", "openai/noisy@\(b.baseURL)"] + extra)
                #expect(r.status == 0, "stderr: \(r.stderr)")
                #expect(!r.stderr.contains("crashed"), "\(r.stderr)")
                let lines = try parseJSONL(try dir.read("out.jsonl"))
                #expect(lines.count == 24)
                #expect(a.stats.snapshot.requests > 0 && b.stats.snapshot.requests > 0)
                try check(lines, r, a.stats.snapshot.requests + b.stats.snapshot.requests)
            }
        }
    }

    /// Each line's `gavel` record.
    static func record(_ line: [String: Any]) -> [String: Any] { line["gavel"] as? [String: Any] ?? [:] }

    @Test("mean: each score is the mean of the two members' scores in gavel.panel, and the members disagree")
    func mean() async throws {
        try await Self.rankWithPanel([]) { lines, r, requests in
            var disagreements = 0
            for line in lines {
                let g = Self.record(line)
                let panel = try #require(g["panel"] as? [String: Double], "\(g)")
                #expect(panel.keys.sorted() == ["openai/biased", "openai/noisy"])
                let a = try #require(panel["openai/biased"]), b = try #require(panel["openai/noisy"])
                let score = try #require(g["score"] as? Double)
                #expect(abs(score - (a + b) / 2) < 1e-9, "score \(score) against members \(a), \(b)")
                #expect(abs((g["panel_spread"] as? Double ?? -1) - abs(a - b) / 2) < 1e-9, "\(g)")
                #expect(g["judge"] as? String == "panel:openai/biased,openai/noisy")
                #expect(g["panel_missing"] == nil)
                if abs(a - b) > 0.05 { disagreements += 1 }
            }
            #expect(disagreements >= 6, "the two judges should disagree on many trajectories; they did on \(disagreements)")
            // Every member judges every group once: 6 groups × 2 members.
            #expect(requests == 12)
            #expect(summaryGroups(r.stderr).map { [$0.groups, $0.judged, $0.failed, $0.notJudged] } == [6, 6, 0, 0], "\(r.stderr)")
            #expect(summaryNumber(r.stderr, "judge calls") == 12, "\(r.stderr)")
        }
    }

    @Test("median and Borda through --panel-combine, with samples and with windows")
    func combinations() async throws {
        try await Self.rankWithPanel(["--panel-combine", "median", "--samples", "2"]) { lines, _, requests in
            #expect(requests == 24)
            for line in lines {
                let g = Self.record(line)
                let panel = try #require(g["panel"] as? [String: Double])
                // Two members: the median is their mean, sample by sample, so also over the samples' mean.
                let members = panel.values.reduce(0, +) / 2
                #expect(abs((g["score"] as? Double ?? -1) - members) < 1e-9, "\(g)")
            }
        }
        try await Self.rankWithPanel(["--panel-combine", "borda"]) { lines, _, _ in
            for group in Dictionary(grouping: lines, by: { $0["group_id"] as? String ?? "" }).values {
                // Borda points: every score is a multiple of 1/12 (two members, three others each, ties half).
                for line in group {
                    let s = Self.record(line)["score"] as? Double ?? -1
                    #expect(abs(s * 12 - (s * 12).rounded()) < 1e-9, "\(s)")
                }
                let scores = group.map { Self.record($0)["score"] as? Double ?? 0 }
                #expect(abs(scores.reduce(0, +) - 2) < 1e-9, "Borda points of 4 ids sum to 4·3/2 / 3 = 2: \(scores)")
            }
        }
        try await Self.rankWithPanel(["--window", "3"]) { lines, _, _ in
            #expect(lines.allSatisfy { Self.record($0)["panel"] is [String: Double] && Self.record($0)["rank"] is Int })
        }
    }
}
