import Foundation
import GavelTesting
import Testing

@testable import GavelCore

@Suite("Rubric files")
struct RubricTests {
    @Test("the bundled rubrics are Rubrics/*.md exactly, and all of them parse")
    func bundledInSync() throws {
        let folder = TestPaths.repo.appendingPathComponent("Rubrics").path
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".md") && $0 != "README.md" }
        #expect(Set(files.map { String($0.dropLast(3)) }) == Set(BundledRubrics.files.keys), "run Scripts/embed-rubrics")
        #expect(files.count >= 6)
        for f in files {
            let text = try String(contentsOfFile: "\(folder)/\(f)", encoding: .utf8)
            let name = String(f.dropLast(3))
            #expect(
                BundledRubrics.files[name]?.trimmingCharacters(in: .whitespacesAndNewlines)
                    == text.trimmingCharacters(in: .whitespacesAndNewlines), "\(f) differs from the bundled copy: run Scripts/embed-rubrics"
            )
            let (rubric, problems) = RubricFile.check(text, path: f, defaultName: name)
            #expect(problems.isEmpty, "\(problems)")
            #expect(rubric?.name == name)
            #expect((rubric?.description.count ?? 0) > 10)
            #expect((rubric?.text.count ?? 0) > 200, "\(f) is too thin to be useful")
        }
        #expect(Rubric.default.text.hasPrefix("- Reaching the goal matters most"))
    }

    @Test("front matter: defaults, unknown keys as warnings, errors with line numbers")
    func frontMatter() throws {
        let ok =
            "---\nname: research\ndescription: Research agents\njudge: anthropic/claude-sonnet-4-5\ntemperature: 0.2\nsamples: "
            + "3\nflavour: spicy\n---\n\nScore by citations.\n"
        let (rubric, problems) = RubricFile.check(ok, path: "r.md", defaultName: "r")
        #expect(
            rubric
                == Rubric(
                    name: "research", text: "Score by citations.", description: "Research agents", judge: "anthropic/claude-sonnet-4-5",
                    temperature: 0.2, samples: 3, source: "r.md"))
        #expect(
            problems.map(\.description) == [
                "r.md:7: warning: unknown front-matter key \"flavour\" (known: name, description, judge, panel, temperature, samples, "
                    + "window, answer, grade, compare, reference)"
            ])

        let broken = "---\nname: x\ndescription: [oops\n---\nbody\n"
        let (none, errors) = RubricFile.check(broken, path: "b.md", defaultName: "b")
        #expect(none == nil)
        #expect(errors.first?.line == 4 || errors.first?.line == 3, "\(errors)")
        #expect(errors.first?.description.contains("invalid YAML front matter") == true)

        #expect(
            RubricFile.check("---\nname: x\n", path: "u.md", defaultName: "u").1.first?.description
                == "u.md:1: front matter opened with --- is never closed (add a line with --- after it)")
        #expect(
            RubricFile.check("---\nsamples: 0\n---\nbody", path: "s.md", defaultName: "s").1.first?.description
                == "s.md:2: samples must be a whole number from 1 to 32")
        #expect(
            RubricFile.check("---\nname: x\n---\n\n  \n", path: "e.md", defaultName: "e").1.first?.message.contains("body is empty") == true
        )
        #expect(RubricFile.check("Just text, no front matter.", path: "p.md", defaultName: "plain").0?.name == "plain")
    }

    @Test("gavel rubric check reports a broken front matter with its line number and exits 2")
    func checkCommand() async throws {
        let dir = try TempDir()
        let bad = try dir.write("bad.md", "---\nname: ok\ntemperature: hot\n---\nbody\n")
        let good = try dir.write("good.md", "---\nname: good\n---\nScore well.\n")
        let r = try await runProduct("gavel", ["rubric", "check", bad, good])
        #expect(r.status == 2)
        #expect(r.stdout.contains("bad.md:3: temperature must be a number from 0 to 2"), "\(r.stdout)")
        #expect(r.stdout.contains("good.md: ok"))
        let list = try await runProduct("gavel", ["rubric", "list"])
        #expect(list.stdout.contains("math-reasoning") && list.stdout.contains("[samples 3]"))
        let show = try await runProduct("gavel", ["rubric", "show", "coding"])
        #expect(show.stdout.hasPrefix("- Correctness dominates"))
    }

    @Test("a custom rubric file's text is what the judge receives; editing it re-judges, leaving it reuses")
    func customRubric() async throws {
        let dir = try TempDir()
        let rubric = try dir.write("mine.md", "---\nname: mine\n---\nPrefer answers that mention the date first. MARKER-ONE\n")
        let input = TestPaths.repo.appendingPathComponent("Examples/art-trajectory-lines.jsonl").path
        let cache = dir.path("cache")
        try await withSimulator { sim in
            func rank() async throws -> ProcessResult {
                try await runProduct(
                    "gavel",
                    [
                        "rank", input, "-o", dir.path("o.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL, "--rubric", rubric,
                        "--cache-dir", cache, "--answer", "explained", "--grade", "number",
                    ])
            }
            #expect(try await rank().status == 0)
            #expect(sim.stats.snapshot.requests == 2)
            let body = sim.stats.snapshot.recentBodies.last ?? ""
            #expect(
                body.contains("Grading rubric:\\nPrefer answers that mention the date first. MARKER-ONE\\n\\nAnswer with a JSON object"))
            #expect(try await rank().status == 0)
            #expect(sim.stats.snapshot.requests == 2, "an unchanged rubric should reuse the cache")
            try "---\nname: mine\n---\nPrefer answers that mention the date first. MARKER-TWO\n".write(
                toFile: rubric, atomically: true, encoding: .utf8)
            #expect(try await rank().status == 0)
            #expect(sim.stats.snapshot.requests == 4, "an edited rubric should re-judge")
            #expect(sim.stats.snapshot.recentBodies.last?.contains("MARKER-TWO") == true)
        }
    }

    @Test("front-matter defaults apply unless a flag overrides them")
    func defaults() async throws {
        let dir = try TempDir()
        let rubric = try dir.write("r.md", "---\nsamples: 2\ntemperature: 0.7\n---\nBe fair.\n")
        let input = TestPaths.repo.appendingPathComponent("Examples/art-trajectory-lines.jsonl").path
        try await withSimulator { sim in
            _ = try await runProduct(
                "gavel",
                [
                    "rank", input, "-o", dir.path("a.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL, "--rubric", rubric,
                    "--cache", "off",
                ])
            #expect(sim.stats.snapshot.requests == 4)
            #expect(sim.stats.snapshot.recentBodies.last?.contains("\"temperature\":0.7") == true)
            sim.stats.reset()
            _ = try await runProduct(
                "gavel",
                [
                    "rank", input, "-o", dir.path("b.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL, "--rubric", rubric,
                    "--cache", "off", "--samples", "1", "--temperature", "0",
                ])
            #expect(sim.stats.snapshot.requests == 2)
            #expect(sim.stats.snapshot.recentBodies.last?.contains("\"temperature\":0}") == true)
        }
    }
}
