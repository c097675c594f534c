import ArgumentParser
import Foundation
import Gavel
import GavelCore
import GavelSupport

/// `gavel rubric`: list, show and check rubric files.
struct RubricCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rubric",
        abstract: "List, show and check grading rubrics.",
        discussion: """
            A rubric is a Markdown file whose body the judge reads as its grading criteria, with optional \
            YAML front matter: name, description, and run defaults (judge, temperature, samples) that apply \
            unless a flag overrides them. gavel rank --rubric NAME looks in ./Rubrics, then in the rubrics \
            bundled with Gavel; --rubric PATH reads a file.

            Examples:
              gavel rubric list
              gavel rubric show coding
              gavel rubric check Rubrics/*.md
            """,
        subcommands: [List.self, Show.self, Check.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the rubrics available by name.",
            discussion: "Example:\n  gavel rubric list")

        func run() throws {
            var rows: [(String, String)] = []
            for e in RubricLibrary().all() {
                let r = e.rubric
                var defaults: [String] = []
                if let j = r.judge { defaults.append("judge \(j)") }
                if let t = r.temperature { defaults.append("temperature \(t)") }
                if let k = r.samples { defaults.append("samples \(k)") }
                let extra = defaults.isEmpty ? "" : " [" + defaults.joined(separator: ", ") + "]"
                rows.append((r.name, r.description + extra + "  (" + r.source + ")"))
            }
            print(KeyValueTable(rows).render(indent: ""), terminator: "")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a rubric's text exactly as the judge receives it.",
            discussion: "Examples:\n  gavel rubric show default\n  gavel rubric show ./my-rubric.md")

        @Argument(help: ArgumentHelp("Rubric name or path.", valueName: "NAME|PATH")) var rubric: String

        func run() throws {
            do {
                let entry = try RubricLibrary().load(rubric)
                for w in entry.warnings { StandardError.write("\(w)\n") }
                print(entry.rubric.text)
            } catch {
                printError("\(error)")
                throw ExitCode(ExitStatus.usage.rawValue)
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check rubric files: front matter, known keys, non-empty body.",
            discussion:
                "Exits 2 when any file has an error (warnings alone exit 0).\n\nExamples:\n  gavel rubric check Rubrics/*.md\n  gavel "
                + "rubric check my-rubric.md"
        )

        @Argument(help: ArgumentHelp("Rubric files.", valueName: "PATH")) var paths: [String]

        func run() throws {
            var failed = false
            for path in paths {
                guard let data = FileManager.default.contents(atPath: path) else {
                    print("\(path): cannot read the file")
                    failed = true
                    continue
                }
                let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
                let (rubric, problems) = RubricFile.check(String(decoding: data, as: UTF8.self), path: path, defaultName: name)
                for p in problems { print(p.description) }
                if rubric == nil || problems.contains(where: { !$0.isWarning }) {
                    failed = true
                } else if problems.isEmpty {
                    print("\(path): ok")
                }
            }
            if failed { throw ExitCode(ExitStatus.usage.rawValue) }
        }
    }
}
