import Foundation

/// The result of running one of the package's executables.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs a built executable of this package with arguments, optional stdin and extra environment.
///
/// The waiting happens on a Dispatch thread, not on the cooperative pool: tests run in parallel on
/// two cooperative threads, and a test blocked on a long subprocess would otherwise stall every
/// other test's `await` (an interrupt test then sent its SIGINT only after the run had finished).
public func runProduct(
    _ name: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], removing: [String] = []
) async throws -> ProcessResult {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(
                with: Result { try runProductBlocking(name, arguments, stdin: stdin, environment: environment, removing: removing) })
        }
    }
}

private func runProductBlocking(
    _ name: String, _ arguments: [String], stdin: String?, environment: [String: String], removing: [String]
) throws -> ProcessResult {
    let path = name.hasPrefix("/") ? name : TestPaths.products.appendingPathComponent(name).path
    var env = ProcessInfo.processInfo.environment
    // Each run gets its own cache folder unless the test names one, so runs never share answers by accident.
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("gavel-cache-\(UUID().uuidString)").path
    env["GAVEL_CACHE_DIR"] = scratch
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    for k in removing { env[k] = nil }
    for (k, v) in environment { env[k] = v }
    let child = try ChildProcess(path, arguments, environment: env, stdin: .pipe)
    if let stdin { child.write(Array(stdin.utf8)) }
    child.closeStdin()
    let (out, err) = child.readOutputs()
    let status = child.wait()
    return ProcessResult(status: status, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
}

/// The group counts of a `gavel rank` summary on standard error: (groups, judged, failed, not judged).
public func summaryGroups(_ stderr: String) -> (groups: Int, judged: Int, failed: Int, notJudged: Int)? {
    guard let line = stderr.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("groups ") }) else {
        return nil
    }
    let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    guard numbers.count == 4 else { return nil }
    return (numbers[0], numbers[1], numbers[2], numbers[3])
}

/// The number on the summary row `name` (e.g. "judge calls"), if present.
public func summaryNumber(_ stderr: String, _ name: String) -> Int? {
    guard let line = stderr.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(name + " ") }),
        let label = line.range(of: name)
    else { return nil }
    return line[label.upperBound...].split(whereSeparator: { !$0.isNumber }).first.flatMap { Int($0) }
}
