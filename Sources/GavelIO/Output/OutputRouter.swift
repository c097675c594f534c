import Foundation
import GavelParquet
import GavelSupport

/// Where each input file's ranked lines go: one output for the run (`-o`, or standard output), or
/// one per input under `--output-dir`, each in its input's format.
///
/// A Parquet output is written row by row from the Parquet inputs' rows and their annotations
/// (`ParquetRankedWriter`). Used by the pipeline's writer task only.
package final class OutputRouter: @unchecked Sendable {
    private struct Target {
        var path: String?
        var files: [Int]
        var parquet: Bool
    }

    private let targets: [Target]
    private let targetOfFile: [Int]
    private let inputs: InputSet
    private var current = -1
    private var sink: OutputSink?
    private var parquetWriter: ParquetRankedWriter?
    /// How Parquet output is compressed (nil: as its input was, where Gavel writes that codec).
    private let parquetCodec: ParquetCodec?

    /// Plans the outputs and opens the first, so a bad output path costs no judge calls. Opening a
    /// FIFO blocks until it has a reader: call this off the cooperative pool.
    package init(output: String?, outputDirectory: String?, inputs: InputSet, parquetCodec: ParquetCodec? = nil) throws {
        self.inputs = inputs
        self.parquetCodec = parquetCodec
        let count = inputs.names.count
        var targets: [Target] = []
        if let dir = outputDirectory {
            try Self.makeFolder(dir)
            var seen: [String: String] = [:]
            for f in 0..<count {
                let name = inputs.names[f]
                guard name != "<stdin>" else { throw OutputError("--output-dir needs named input files, not standard input") }
                let base = URL(fileURLWithPath: name).lastPathComponent
                let path = (dir.hasSuffix("/") ? dir : dir + "/") + base
                if let other = seen[base] {
                    throw OutputError("\(name) and \(other) would both be written to \(path): rank them into different folders")
                }
                seen[base] = name
                if Self.sameFile(path, name) { throw OutputError("\(path) is the input \(name): choose another --output-dir") }
                targets.append(Target(path: path, files: [f], parquet: inputs.parquet[f] != nil))
            }
        } else {
            let parquet = output.map { $0.lowercased().hasSuffix(".parquet") } ?? false
            if parquet, let f = (0..<count).first(where: { inputs.parquet[$0] == nil }) {
                throw OutputError(
                    "-o \(output ?? ""): Parquet output is written from Parquet input, and \(inputs.names[f]) is JSONL "
                        + "(write -o FILE.jsonl, or --output-dir)")
            }
            if let output, (0..<count).contains(where: { Self.sameFile(output, inputs.names[$0]) }) {
                throw OutputError("-o \(output) is also an input: write the ranking elsewhere")
            }
            targets.append(Target(path: output, files: Array(0..<count), parquet: parquet))
        }
        var targetOfFile = [Int](repeating: 0, count: count)
        for (t, target) in targets.enumerated() { for f in target.files { targetOfFile[f] = t } }
        self.targets = targets
        self.targetOfFile = targetOfFile
        if !targets.isEmpty { try open(0) }
    }

    /// True when input `file`'s lines go to another output than the one in use.
    package func switches(toFile file: Int) -> Bool { targetOfFile[file] != current }

    /// True when input `file`'s rows go to a Parquet output.
    package func writesParquet(file: Int) -> Bool { targets[targetOfFile[file]].parquet }

    /// The Parquet writer for input `file`'s rows (a Parquet input whose output is Parquet),
    /// finishing the previous output when this one differs.
    package func parquetWriter(forFile file: Int) throws -> ParquetRankedWriter {
        let sink = try sink(forFile: file)
        guard let input = inputs.parquet[file] else { throw OutputError("\(inputs.names[file]) is not Parquet") }
        if let parquetWriter {
            try parquetWriter.check(input)
            return parquetWriter
        }
        let made = try ParquetRankedWriter(
            first: input, codec: parquetCodec, to: sink, named: targets[current].path ?? "standard output")
        parquetWriter = made
        return made
    }

    /// The sink for input `file`'s lines, finishing the previous output when this one differs.
    package func sink(forFile file: Int) throws -> OutputSink {
        let t = targetOfFile[file]
        if t != current {
            try finishCurrent()
            try open(t)
        }
        guard let sink else { throw OutputError("no output is open") }
        return sink
    }

    /// Finishes the output in use (the last one).
    package func finish() throws {
        try finishCurrent()
    }

    private func open(_ t: Int) throws {
        current = t
        sink = try OutputSink(path: targets[t].path)
    }

    private func finishCurrent() throws {
        guard current >= 0, let sink else { return }
        self.sink = nil
        if let writer = parquetWriter {
            parquetWriter = nil
            try writer.finish()
        }
        try sink.finish()
    }

    private static func makeFolder(_ dir: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw OutputError("cannot create --output-dir \(dir): \(error.localizedDescription)")
        }
    }

    /// True when both paths name one existing file.
    private static func sameFile(_ a: String, _ b: String) -> Bool {
        var x = stat(), y = stat()
        return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino
    }
}
