import Foundation
import GavelTesting
import Testing

/// The report in a real browser: Debian's chromium, headless.
@Suite("gavel report in headless Chromium")
struct ReportCommandTests {
    static let chromium = TestPaths.chromium
    static let hostile = #"</td></table><script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"#

    /// Ranked output of `groups` groups of 4, one trajectory's explanation and last message hostile.
    static func ranked(_ dir: TempDir, groups: Int) throws -> String {
        var lines: [String] = []
        for g in 0..<groups {
            for m in 0..<4 {
                let text = g == 1 && m == 2 ? Self.hostile : "answer \(m)"
                lines.append(
                    #"{"metrics":{"independent_reward":\#(m)},"messages":[{"role":"assistant","content":"\#(text)"}],"#
                        + #""gavel":{"group":"g\#(g)","score":\#(Double(m) / 4),"rank":\#(4 - m),"advantage":\#(Double(m) - 1.5),"#
                        + #""zero_variance":false,"slots":[\#((m + g) % 4)],"explanation":"\#(text)","judge":"openai/sim"}}"#)
            }
        }
        return try dir.write("ranked.jsonl", lines.joined(separator: "\n") + "\n")
    }

    /// Runs headless Chromium on `page` with `arguments`, bounded by `timeout`.
    static func browse(_ dir: TempDir, _ page: String, _ arguments: [String]) async throws -> ProcessResult {
        let chromium = try #require(Self.chromium)
        return try await runProduct(
            "/usr/bin/timeout",
            [
                "90", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(dir.path("profile"))",
                "--virtual-time-budget=3000",
            ]
                + arguments + ["file://\(page)"])
    }

    @Test(
        "the page renders: one row per group, SVG charts, its script ran, injected text did not",
        .enabled(if: chromium != nil, "needs Debian's chromium (.ci/run installs it)"))
    func dom() async throws {
        let dir = try TempDir()
        let input = try Self.ranked(dir, groups: 12)
        let r = try await runProduct("gavel", ["report", input, "-o", dir.path("report.html")])
        #expect(r.status == 0, "\(r.stderr)")
        let dom = try await Self.browse(dir, dir.path("report.html"), ["--dump-dom"])
        #expect(dom.status == 0, "\(dom.stderr.suffix(800))")
        #expect(dom.stdout.contains("<title>Gavel report</title>"), "the title changed: an injected script ran")
        #expect(!dom.stdout.contains("pwned</title>"))
        #expect(dom.stdout.components(separatedBy: #"<tbody class="group""#).count - 1 == 12)
        #expect(dom.stdout.components(separatedBy: "<svg").count - 1 >= 3)
        #expect(dom.stdout.contains("12 of 12 groups"), "the page's own script did not run")
        #expect(!dom.stdout.contains("<img src=\"x\""), "an injected element reached the DOM")
    }

    @Test(
        "a screenshot is a non-blank PNG of the window's size",
        .enabled(if: chromium != nil, "needs Debian's chromium (.ci/run installs it)"))
    func screenshot() async throws {
        let dir = try TempDir()
        let input = try Self.ranked(dir, groups: 12)
        #expect(try await runProduct("gavel", ["report", input, "-o", dir.path("report.html")]).status == 0)
        let blank = try dir.write("blank.html", "<!DOCTYPE html><html><body></body></html>")
        for (page, png) in [(dir.path("report.html"), "report.png"), (blank, "blank.png")] {
            let r = try await Self.browse(dir, page, ["--window-size=1280,900", "--screenshot=\(dir.path(png))", "--hide-scrollbars"])
            #expect(r.status == 0, "\(r.stderr.suffix(800))")
        }
        let shot = try Data(contentsOf: URL(fileURLWithPath: dir.path("report.png")))
        let empty = try Data(contentsOf: URL(fileURLWithPath: dir.path("blank.png")))
        #expect(Array(shot.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "not a PNG")
        func be32(_ d: Data, _ at: Int) -> Int { d[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        #expect(be32(shot, 16) == 1280 && be32(shot, 20) == 900, "IHDR says \(be32(shot, 16))×\(be32(shot, 20))")
        #expect(
            shot.count > 5 * empty.count,
            "the report's screenshot (\(shot.count) B) is barely larger than a blank page's (\(empty.count) B)")
    }

    @Test("bad input and misuse: exit 2 with a clear message")
    func errors() async throws {
        let dir = try TempDir()
        let plain = try dir.write("plain.jsonl", #"{"messages":[{"role":"user","content":"q"}]}"# + "\n")
        let r = try await runProduct("gavel", ["report", plain, "-o", dir.path("r.html")])
        #expect(r.status == 2 && r.stderr.contains("plain.jsonl:1: expected Gavel output"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("r.html")))
        let noOutput = try await runProduct("gavel", ["rank", plain, "--report", dir.path("r.html")])
        #expect(noOutput.status == 2 && noOutput.stderr.contains("--report reads the ranked output back"), "\(noOutput.stderr)")
    }
}
