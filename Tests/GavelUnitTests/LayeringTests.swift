import Foundation
import GavelTesting
import Testing

/// The one-way flow between targets, read from the sources' own `import` lines: a target may import
/// only targets below it. (The compiler enforces the declared dependencies; this also catches a
/// dependency added to Package.swift that points upward.)
@Suite("Layering: no target imports a higher one")
struct LayeringTests {
    /// Each target's layer: a target may import only targets of a lower layer.
    static let layer: [String: Int] = [
        "CCurl": 0, "GavelSupport": 0, "GavelJSON": 0, "GavelHTTP": 0,
        "CCodecs": 0, "GavelModelMap": 0,
        "GavelCurl": 1, "GavelPool": 1, "GavelParquet": 1,
        "Gavel": 2,
        "GavelTesting": 3, "GavelServe": 3, "GavelPostgres": 3, "GavelEval": 3, "GavelBatch": 3,
        "gavel": 4, "gavel-judge-sim": 4, "gavel-bench": 4,
    ]
    /// The command line is a thin shell: parse → configuration → run → exit status.
    static let cliImports: Set<String> = ["Gavel", "GavelSupport", "GavelServe", "GavelPostgres", "GavelEval", "GavelBatch"]
    static let ours = Set(layer.keys)

    /// The package-internal modules each target's sources import.
    static func imports() throws -> [String: Set<String>] {
        let sources = TestPaths.repo.appendingPathComponent("Sources")
        var found: [String: Set<String>] = [:]
        for target in try FileManager.default.contentsOfDirectory(atPath: sources.path) where target != "CCurl" {
            let folder = sources.appendingPathComponent(target)
            guard let files = FileManager.default.enumerator(atPath: folder.path) else { continue }
            var modules: Set<String> = []
            for case let file as String in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                for line in text.split(separator: "\n") {
                    if let module = importedModule(line), ours.contains(module) { modules.insert(module) }
                }
            }
            found[target] = modules
        }
        return found
    }

    /// Words that may come before `import`: attributes and access levels.
    static let importPrefixes: Set<Substring> = ["public", "package", "internal", "fileprivate", "private"]
    /// Kinds of a single-declaration import (`import struct Module.Name`).
    static let importKinds: Set<Substring> = ["struct", "class", "enum", "protocol", "typealias", "func", "var", "let", "actor"]

    /// The module an `import` line brings in, in any of its forms: `@testable import M`, `public import
    /// M`, `@_exported internal import M`, `import struct M.Type`; nil for any other line.
    static func importedModule(_ line: Substring) -> String? {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        guard let i = words.firstIndex(of: "import"), i + 1 < words.count,
            words[..<i].allSatisfy({ $0.hasPrefix("@") || importPrefixes.contains($0) })
        else { return nil }
        var name = words[i + 1]
        if importKinds.contains(name), i + 2 < words.count { name = words[i + 2] }
        return name.split(separator: ".").first.map(String.init)
    }

    @Test("import lines are read in every form: attributes, access levels, single declarations")
    func importForms() {
        let cases: [(Substring, String?)] = [
            ("import Gavel", "Gavel"), ("@testable import Gavel", "Gavel"), ("public import GavelJSON", "GavelJSON"),
            ("@_exported internal import GavelHTTP", "GavelHTTP"), ("import struct GavelJSON.JSONObject", "GavelJSON"),
            ("package import GavelSupport", "GavelSupport"), ("// import Gavel", nil), ("let x = 1 // import Gavel", nil),
        ]
        for (line, module) in cases { #expect(Self.importedModule(line) == module, "\(line)") }
    }

    @Test("every target imports only targets below it")
    func noUpwardImports() throws {
        let found = try Self.imports()
        #expect(Set(found.keys).union(["CCurl"]) == Self.ours, "a target was added or removed: update the layer table and the README")
        for (target, modules) in found {
            let own = Self.layer[target] ?? 0
            let upward = modules.filter { (Self.layer[$0] ?? 0) >= own }
            #expect(upward.isEmpty, "\(target) (layer \(own)) imports \(upward.sorted()), of its own layer or above")
        }
        let cli = found["gavel"] ?? []
        #expect(
            cli.isSubset(of: Self.cliImports), "the gavel executable reaches past the library: \(cli.subtracting(Self.cliImports).sorted())"
        )
    }
}
