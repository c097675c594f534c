import Foundation
import GavelTesting
import Testing

@Suite("Dry run, prompt preview, progress and help")
struct DryRunAndProgressTests {
    static func number(after label: String, in text: String) -> Int? {
        guard let r = text.range(of: label) else { return nil }
        let digits = text[r.upperBound...].drop { !$0.isNumber }.prefix { $0.isNumber }
        return Int(digits)
    }

    @Test("--dry-run makes no request and estimates tokens within 25% of the simulator's usage")
    func dryRun() async throws {
        let data = SyntheticTrajectories(groups: 40, groupSize: 8, toolTurns: 3, toolResultChars: 300)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.trajectoryLines())
        try await withSimulator { sim in
            let dry = try await runProduct(
                "gavel", ["rank", input, "--judge", "openai/gpt-4o-mini", "--api-base", sim.baseURL, "--dry-run", "--samples", "2"])
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(sim.stats.snapshot.requests == 0)
            #expect(dry.stdout.contains("judge calls    80 (0 answered by the cache)"), "\(dry.stdout)")
            #expect(dry.stdout.contains("cost           ~$"))
            let estimatedIn = try #require(Self.number(after: "input tokens", in: dry.stdout))
            let estimatedOut = try #require(Self.number(after: "output tokens", in: dry.stdout))
            let real = try await runProduct(
                "gavel",
                [
                    "rank", input, "-o", dir.path("o.jsonl"), "--judge", "openai/gpt-4o-mini", "--api-base", sim.baseURL, "--samples", "2",
                    "-q",
                ])
            #expect(real.status == 0)
            let usage = sim.stats.snapshot
            #expect(usage.requests == 80)
            let inRatio = Double(estimatedIn) / Double(usage.promptTokens)
            let totalRatio = Double(estimatedIn + estimatedOut) / Double(usage.promptTokens + usage.completionTokens)
            #expect(abs(inRatio - 1) <= 0.25, "input estimate \(estimatedIn) vs \(usage.promptTokens)")
            #expect(abs(totalRatio - 1) <= 0.25, "total estimate vs usage: \(totalRatio)")
        }
    }

    @Test("--show-prompt prints the exact messages of one group and calls nothing")
    func showPrompt() async throws {
        let input = TestPaths.repo.appendingPathComponent("Examples/art-trajectory-lines.jsonl").path
        try await withSimulator { sim in
            let r = try await runProduct("gavel", ["rank", input, "--api-base", sim.baseURL, "--show-prompt", "g000001"])
            #expect(r.status == 0)
            #expect(r.stdout.contains("===== system =====\nYou are judging a group of agent trajectories."))
            #expect(r.stdout.contains("<trajectory id=\"4\">"))
            #expect(r.stdout.contains("QUALITY=0.939"))
            #expect(!r.stdout.contains("QUALITY=0.134"), "showed another group's trajectories")
            #expect(sim.stats.snapshot.requests == 0)
            let missing = try await runProduct("gavel", ["rank", input, "--api-base", sim.baseURL, "--show-prompt", "nope"])
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("no group \"nope\""))
        }
    }

    @Test("without a terminal, progress is a plain line every interval; --quiet silences it")
    func plainProgress() async throws {
        let input = TestPaths.repo.appendingPathComponent("Examples/art-trajectory-lines.jsonl").path
        let dir = try TempDir()
        try await withSimulator(.init(latencyMs: 400)) { sim in
            let r = try await runProduct(
                "gavel",
                [
                    "rank", input, "-o", dir.path("out.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL, "--concurrency", "1",
                    "--progress-interval", "0.1",
                ])
            #expect(r.status == 0)
            let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("gavel: ") && $0.contains("groups") }
            #expect(lines.count >= 3, "\(r.stderr)")
            #expect(lines.allSatisfy { !$0.contains("\u{1B}") && !$0.contains("\r") })
            #expect(lines.contains { $0.contains("/2 groups") && $0.contains("calls/s") && $0.contains("tokens") })
            // The total is known from the first line on.
            #expect(lines.allSatisfy { $0.contains("/2 groups") }, "\(r.stderr)")
            let quiet = try await runProduct(
                "gavel",
                [
                    "rank", input, "-o", dir.path("quiet.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL, "--progress-interval",
                    "0.1", "-q", "--cache", "off",
                ])
            #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")
        }
    }

    @Test(
        "on a terminal (script(1) gives it one), the progress line is redrawn in place",
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs /usr/bin/script (util-linux) for a pseudo-terminal")
    )
    func ttyProgress() async throws {
        let input = TestPaths.repo.appendingPathComponent("Examples/art-trajectory-lines.jsonl").path
        let gavel = TestPaths.products.appendingPathComponent("gavel").path
        let dir = try TempDir()
        try await withSimulator(.init(latencyMs: 500)) { sim in
            let command =
                "\(gavel) rank \(input) -o \(dir.path("o.jsonl")) --judge openai/sim --api-base \(sim.baseURL) --concurrency 1 --cache off"
            let r = try await runProduct("/usr/bin/script", ["-qfec", command, dir.path("typescript")])
            #expect(r.status == 0, "\(r.stdout)")
            #expect(r.stdout.contains("\r\u{1B}[2Kgavel: "), "no in-place progress line in: \(r.stdout.debugDescription.prefix(400))")
            #expect(r.stdout.contains("/2 groups"))
            #expect(r.stdout.contains("gavel rank summary"))
        }
    }

    @Test("every command's help has examples; shell completion scripts generate")
    func help() async throws {
        for args in [
            ["--help"], ["rank", "--help"], ["serve", "--help"], ["cache", "--help"], ["cache", "prune", "--help"], ["rubric", "--help"],
            ["rubric", "check", "--help"],
        ] {
            let r = try await runProduct("gavel", args)
            #expect(r.status == 0)
            #expect(r.stdout.contains("Example"), "no examples in gavel \(args.joined(separator: " "))")
        }
        let root = try await runProduct("gavel", ["--help"])
        #expect(!root.stdout.contains("worker"), "the worker command should be hidden")
        let bash = try await runProduct("gavel", ["--generate-completion-script", "bash"])
        #expect(bash.status == 0)
        #expect(bash.stdout.contains("complete") && bash.stdout.contains("rank"))
        let zsh = try await runProduct("gavel", ["--generate-completion-script", "zsh"])
        #expect(zsh.stdout.contains("#compdef gavel"))
    }
}
