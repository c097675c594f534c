import Foundation

/// Finds rubrics by name or path: first `./Rubrics/NAME.md`, then the rubrics bundled into Gavel.
public struct RubricLibrary: Sendable {
    /// Folders searched for `NAME.md`, in order.
    public var searchPath: [String]

    public init(searchPath: [String] = ["Rubrics"]) { self.searchPath = searchPath }

    /// A rubric with where it came from.
    public struct Entry: Sendable {
        public var rubric: Rubric
        public var warnings: [RubricFile.Problem]
    }

    /// Loads `nameOrPath`: a file path (contains `/` or ends in `.md`), else a name in the search path, else a bundled rubric.
    public func load(_ nameOrPath: String) throws -> Entry {
        let looksLikePath = nameOrPath.contains("/") || nameOrPath.hasSuffix(".md") || nameOrPath.hasSuffix(".markdown")
        if looksLikePath {
            return try loadFile(nameOrPath)
        }
        for folder in searchPath {
            let path = "\(folder)/\(nameOrPath).md"
            if FileManager.default.fileExists(atPath: path) { return try loadFile(path) }
        }
        if let bundled = BundledRubrics.files[nameOrPath] {
            let (rubric, warnings) = try RubricFile.parse(bundled, path: "bundled:\(nameOrPath)", defaultName: nameOrPath)
            var r = rubric
            r.source = "bundled"
            return Entry(rubric: r, warnings: warnings)
        }
        throw ConfigurationError(
            "no rubric named \"\(nameOrPath)\": not in \(searchPath.map { $0 + "/" }.joined(separator: ", ")) nor bundled "
                + "(\(BundledRubrics.files.keys.sorted().joined(separator: ", "))); pass a path to use a file"
        )
    }

    /// Loads a rubric file.
    public func loadFile(_ path: String) throws -> Entry {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("cannot read rubric file \(path)")
        }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let (rubric, warnings) = try RubricFile.parse(String(decoding: data, as: UTF8.self), path: path, defaultName: name)
        return Entry(rubric: rubric, warnings: warnings)
    }

    /// Every rubric available: the search path's files, then bundled ones not shadowed by them.
    public func all() -> [Entry] {
        var seen = Set<String>()
        var result: [Entry] = []
        for folder in searchPath {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".md") }.sorted()
            for file in names where file != "README.md" {
                let name = String(file.dropLast(3))
                guard !seen.contains(name), let entry = try? loadFile("\(folder)/\(file)") else { continue }
                seen.insert(name)
                result.append(entry)
            }
        }
        for name in BundledRubrics.files.keys.sorted() where !seen.contains(name) {
            if let entry = try? load(name) { result.append(entry) }
        }
        return result
    }
}
