import Foundation
import GavelTesting
import Testing

/// `gavel rank --max-cost`: a spending limit as users run it.
@Suite("Spending limit: --max-cost in gavel rank")
struct SpendingLimitCommandTests {
    static func input(_ dir: TempDir) throws -> String {
        try dir.write("in.jsonl", SyntheticTrajectories(groups: 8, groupSize: 4, toolTurns: 2, toolResultChars: 400).trajectoryLines())
    }

    static func dollars(after label: String, in text: String) -> Double? {
        guard let r = text.range(of: label) else { return nil }
        let rest = text[r.upperBound...].drop { $0 != "$" }.dropFirst()
        return Double(rest.prefix { $0.isNumber || $0 == "." })
    }

    @Test("a limit below the run's price: the groups judged before it are ranked, the rest written not judged, exit 1, spent ≤ limit")
    func stopsAtTheLimit() async throws {
        let dir = try TempDir()
        let input = try Self.input(dir)
        try await withSimulator { sim in
            let common = ["--judge", "openai/gpt-4o-mini", "--api-base", sim.baseURL, "--concurrency", "1"]
            let dry = try await runProduct("gavel", ["rank", input, "--dry-run"] + common)
            let estimate = try #require(Self.dollars(after: "cost ", in: dry.stdout), "\(dry.stdout)")
            let limit = String(format: "%.6f", estimate * 3 / 8)  // room for about three of the eight calls
            let fits = try await runProduct("gavel", ["rank", input, "--dry-run", "--max-cost", limit] + common)
            #expect(fits.stdout.contains("the run does not fit"), "\(fits.stdout)")
            let roomy = try await runProduct("gavel", ["rank", input, "--dry-run", "--max-cost", "100"] + common)
            #expect(roomy.stdout.contains("the run fits"), "\(roomy.stdout)")

            let r = try await runProduct("gavel", ["rank", input, "-o", dir.path("out.jsonl"), "--max-cost", limit] + common)
            #expect(r.status == 1, "\(r.stderr)")
            #expect(r.stderr.contains("cost limit") && r.stderr.contains("(see --max-cost USD)"), "\(r.stderr)")
            let spent = try #require(Self.dollars(after: "cost limit", in: r.stderr), "\(r.stderr)")
            #expect(spent <= estimate * 3 / 8 * 1.3, "spent \(spent) against a limit of \(limit)")
            let out = try parseJSONL(try dir.read("out.jsonl"))
            #expect(out.count == 32, "every line is written")
            let gavel = out.map { $0["gavel"] as? [String: Any] ?? [:] }
            let judged = Set(gavel.filter { $0["score"] != nil }.compactMap { $0["group"] as? String })
            let stopped = out.compactMap { ($0["gavel"] as? [String: Any])?["error"] as? String }
            #expect((1...4).contains(judged.count), "\(judged.count) groups judged")
            #expect(stopped.count == 32 - 4 * judged.count && stopped.allSatisfy { $0.contains("cost limit") }, "\(stopped.first ?? "")")
            #expect(sim.stats.snapshot.requests == judged.count, "no call started past the limit")
        }
    }

    @Test("--max-cost with a judge the map cannot price is a usage error naming --prices; with a price file it runs")
    func needsAPrice() async throws {
        let dir = try TempDir()
        let input = try Self.input(dir)
        let refused = try await runProduct(
            "gavel",
            ["rank", input, "--judge", "openai/unpriced-judge", "--api-base", "http://127.0.0.1:9/v1", "--max-cost", "1", "--dry-run"])
        #expect(
            refused.status == 2 && refused.stderr.contains("unpriced-judge") && refused.stderr.contains("--prices FILE"),
            "\(refused.stderr)")
        let prices = try dir.write("p.json", #"{"unpriced-judge": {"input": 1, "output": 2}}"#)
        let priced = try await runProduct(
            "gavel",
            [
                "rank", input, "--judge", "openai/unpriced-judge", "--api-base", "http://127.0.0.1:9/v1", "--max-cost", "1", "--dry-run",
                "--prices", prices,
            ])
        #expect(priced.status == 0 && priced.stdout.contains("the run fits"), "\(priced.stderr)")
        let bad = try await runProduct("gavel", ["rank", input, "--max-cost", "0", "--dry-run"])
        #expect(bad.status == 2 && bad.stderr.contains("--max-cost must be a positive number"), "\(bad.stderr)")
    }
}
