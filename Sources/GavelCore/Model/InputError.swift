import GavelSupport
import Glibc

/// A problem with an input file or line, located by file and line number.
public struct InputError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case cannotOpen, cannotRead, lineTooLong, invalidLine, noGroupKey, noTrajectories, parquet
    }

    private let code: Code
    public let path: String
    /// 1-based line number, or 0 when the problem concerns the whole file.
    public let line: Int
    public let message: String

    private init(_ code: Code, path: String, line: Int, message: String) {
        self.code = code
        self.path = path
        self.line = line
        self.message = message
    }

    package static func cannotOpen(path: String, reason: String) -> InputError {
        .init(.cannotOpen, path: path, line: 0, message: "cannot open: \(reason)")
    }

    /// Opening failed with `code` (an errno); running out of descriptors is no fault of the file and says so.
    package static func cannotOpen(path: String, code: Int32) -> InputError {
        if DescriptorLimit.isExhausted(code) {
            return .init(.cannotOpen, path: path, line: 0, message: "cannot open: \(DescriptorLimit.exhaustedMessage(code))")
        }
        return cannotOpen(path: path, reason: String(cString: strerror(code)))
    }

    package static func cannotRead(path: String, reason: String) -> InputError {
        .init(.cannotRead, path: path, line: 0, message: "cannot read: \(reason)")
    }

    /// A file that became shorter (or unreadable) after Gavel indexed it.
    package static func changedDuringRun(path: String) -> InputError {
        cannotRead(path: path, reason: "the file shrank or could not be read while Gavel was using it")
    }

    package static func lineTooLong(path: String, line: Int, limit: Int) -> InputError {
        .init(.lineTooLong, path: path, line: line, message: "line is longer than \(limit) bytes (raise the line limit)")
    }

    /// A line that is not a trajectory or group the way Gavel expects.
    public static func invalidLine(path: String, line: Int, _ message: String) -> InputError {
        .init(.invalidLine, path: path, line: line, message: message)
    }

    /// This error at another line of the same file.
    func atLine(_ line: Int) -> InputError { .init(code, path: path, line: line, message: message) }

    /// A Parquet file Gavel cannot read (`FILE: column X: what`).
    package static func parquet(path: String, column: String?, detail: String) -> InputError {
        .init(.parquet, path: path, line: 0, message: column.map { "column \($0): \(detail)" } ?? detail)
    }

    package static func noTrajectories(path: String) -> InputError {
        .init(.noTrajectories, path: path, line: 0, message: "no trajectories found (the input is empty or every line was skipped)")
    }

    /// A line without a group key under the grouping rule.
    package static func noGroupKey(path: String, line: Int, _ message: String) -> InputError {
        .init(.noGroupKey, path: path, line: line, message: message)
    }

    /// The setting that would fix it, when one would.
    public var setting: Setting? {
        switch code {
        case .lineTooLong: return .maxLineBytes
        case .noGroupKey: return .grouping
        default: return nil
        }
    }

    /// Whether `--on-invalid skip` may skip the line instead of stopping.
    public var isSkippable: Bool { code == .invalidLine || code == .noGroupKey }

    public var description: String { line > 0 ? "\(path):\(line): \(message)" : "\(path): \(message)" }
}
