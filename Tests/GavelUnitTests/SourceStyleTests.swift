import Foundation
import GavelTesting
import Testing

/// House style that a formatter run cannot drift from unnoticed.
@Suite("Source style")
struct SourceStyleTests {
    /// Every Swift file of the package: sources, tests and the manifest.
    static func swiftFiles() -> [URL] {
        var files = [TestPaths.repo.appendingPathComponent("Package.swift")]
        for folder in ["Sources", "Tests"] {
            let root = TestPaths.repo.appendingPathComponent(folder)
            let names = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
            files += names.filter { $0.hasSuffix(".swift") }.map { root.appendingPathComponent($0) }
        }
        return files
    }

    @Test("no line is longer than 140 columns (the .swift-format limit)")
    func lineLength() throws {
        let files = Self.swiftFiles()
        #expect(files.count > 100, "found only \(files.count) Swift files: is TestPaths.repo right?")
        var long: [String] = []
        for file in files {
            let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            for (i, line) in lines.enumerated() where line.count > 140 {
                long.append("\(file.lastPathComponent):\(i + 1): \(line.count) columns")
            }
        }
        #expect(long.isEmpty, "\(long.joined(separator: "; "))")
    }

    @Test("no closure builds a tuple around `.success(try await …)` (Swift 6.3.1 -O miscompiles it; see PanelJudge)")
    func noTupleAroundAwaitedResult() throws {
        // A tuple element, then `.success(` with an await inside: `(i, .success(try await f()))`.
        let pattern = try Regex(#",\s*\.success\(\s*(try\s+)?await\b"#)
        var found: [String] = []
        for file in Self.swiftFiles() where file.path.contains("/Sources/") {
            let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            for (i, line) in lines.enumerated() {
                let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                if code.contains(pattern) { found.append("\(file.lastPathComponent):\(i + 1)") }
            }
        }
        #expect(found.isEmpty, "bind the Result to a local first: \(found.joined(separator: ", "))")
        #expect(",  .success(try await x())".contains(pattern), "the pattern must match the form it refuses")
    }
}
