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
        "GavelCurl": 1, "GavelPool": 1, "GavelParquet": 1, "GavelCore": 1,
        "GavelJudge": 2, "GavelScoring": 2,
        "GavelCache": 3, "GavelIO": 3,
        "Gavel": 4, "GavelPostgres": 4,
        "GavelTesting": 5, "GavelServe": 5, "GavelEval": 5, "GavelBatch": 5,
        "gavel": 6, "gavel-judge-sim": 6, "gavel-bench": 6,
    ]
    /// The command line is a thin shell: parse → configuration → run → exit status.
    static let cliImports: Set<String> = [
        "Gavel", "GavelCore", "GavelJudge", "GavelCache", "GavelScoring", "GavelIO", "GavelSupport", "GavelServe", "GavelPostgres",
        "GavelEval", "GavelBatch",
    ]
    static let ours = Set(layer.keys)

    /// The package-internal modules each target's sources import.
    static func imports() throws -> [String: Set<String>] {
        let sources = TestPaths.repo.appendingPathComponent("Sources")
        var found: [String: Set<String>] = [:]
        for target in try FileManager.default.contentsOfDirectory(atPath: sources.path) where target != "CCurl" {
            var modules: Set<String> = []
            for file in try filesByFolder(of: target) {
                for line in file.text.split(separator: "\n") {
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

    /// Each Swift file of a target by its folder inside the target (`.` for the target's own root).
    static func filesByFolder(of target: String) throws -> [(folder: String, text: String)] {
        let folder = TestPaths.repo.appendingPathComponent("Sources").appendingPathComponent(target)
        guard let files = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var found: [(String, String)] = []
        for case let file as String in files where file.hasSuffix(".swift") {
            let parts = file.split(separator: "/")
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            found.append((parts.count > 1 ? String(parts[0]) : ".", text))
        }
        return found
    }

    /// The names a file declares at its top level (types and type aliases).
    static func declaredTypes(_ text: String) -> Set<String> {
        let kinds: Set<Substring> = ["struct", "class", "enum", "protocol", "typealias", "actor"]
        var names: Set<String> = []
        for line in text.split(separator: "\n") where line.first.map({ $0 != " " && $0 != "/" && $0 != "}" }) ?? false {
            let words = line.split(whereSeparator: { $0 == " " || $0 == ":" || $0 == "<" || $0 == "{" })
            if let k = words.firstIndex(where: { kinds.contains($0) }), k + 1 < words.count { names.insert(String(words[k + 1])) }
        }
        return names
    }

    /// The capitalised identifiers a file's code uses, comments and one-line string literals left out.
    static func usedNames(_ text: String) -> Set<String> {
        var names: Set<String> = []
        for line in text.split(separator: "\n") {
            var code = Substring(line)
            if let comment = code.range(of: "//") { code = code[..<comment.lowerBound] }
            var word = ""
            var inString = false
            var previous: Character = " "
            for c in code + " " {
                if c == "\"" && previous != "\\" { inString.toggle() }
                if !inString && (c.isLetter || c.isNumber || c == "_") {
                    word.append(c)
                } else {
                    if let first = word.first, first.isUppercase { names.insert(word) }
                    word = ""
                }
                previous = c
            }
        }
        return names
    }

    /// A cycle among `edges`, as the folders along it, or nil.
    static func cycle(_ edges: [String: Set<String>]) -> [String]? {
        var state: [String: Int] = [:]  // 1: on the path, 2: done
        var path: [String] = []
        func visit(_ node: String) -> [String]? {
            state[node] = 1
            path.append(node)
            for next in (edges[node] ?? []).sorted() {
                if state[next] == 1, let start = path.firstIndex(of: next) { return Array(path[start...]) + [next] }
                if state[next] == nil, let found = visit(next) { return found }
            }
            path.removeLast()
            state[node] = 2
            return nil
        }
        for node in edges.keys.sorted() where state[node] == nil {
            if let found = visit(node) { return found }
        }
        return nil
    }

    @Test("the folders inside each target depend one way: no folder uses a type of a folder that uses its own")
    func noFolderCycles() throws {
        #expect(Self.cycle(["A": ["B"], "B": ["C"], "C": ["A"]]) == ["A", "B", "C", "A"])
        #expect(Self.cycle(["A": ["B", "C"], "B": ["C"]]) == nil)
        #expect(Self.declaredTypes("public struct Foo: Sendable {\n    struct Inner {}\n}\nenum Bar<T> {}") == ["Foo", "Bar"])
        #expect(Self.usedNames(#"let x = Foo(bar: "Baz") // Qux"#) == ["Foo"])
        var checked = 0
        for target in Self.ours.sorted() where !target.hasPrefix("C") {
            let files = try Self.filesByFolder(of: target)
            guard Set(files.map(\.folder)).count > 1 else { continue }
            var owner: [String: String] = [:]
            for file in files { for name in Self.declaredTypes(file.text) { owner[name] = file.folder } }
            var edges: [String: Set<String>] = [:]
            for file in files {
                for name in Self.usedNames(file.text) {
                    if let other = owner[name], other != file.folder { edges[file.folder, default: []].insert(other) }
                }
            }
            #expect(Self.cycle(edges) == nil, "\(target): its folders use each other in a cycle: \(Self.cycle(edges) ?? [])")
            checked += 1
        }
        #expect(checked >= 6, "folders were checked in only \(checked) targets")
    }

    @Test("no library target holds more than about 3,000 lines (the generated model map is data)")
    func targetSizes() throws {
        let libraries = Self.ours.filter { $0.hasPrefix("Gavel") && $0 != "GavelModelMap" }
        #expect(libraries.count >= 17)
        for target in libraries {
            let lines = try Self.filesByFolder(of: target).reduce(0) {
                $0 + $1.text.split(separator: "\n", omittingEmptySubsequences: false).count
            }
            #expect(lines <= 3_000, "\(target) has \(lines) lines: split it along its folders")
        }
    }
}
