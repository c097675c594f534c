import Foundation
import JudgeSimulator

/// The benchmark workload: ART-format trajectory files written once to a folder and reused.
enum Workload {
    /// Writes (or reuses) `groups` × `size` trajectories with `turns` tool-call turns as flat trajectory lines.
    static func file(groups: Int, size: Int = 8, turns: Int = 3, resultChars: Int = 850, in folder: String) throws -> String {
        let path = "\(folder)/workload-\(groups)x\(size)x\(turns)-\(resultChars).jsonl"
        if FileManager.default.fileExists(atPath: path) { return path }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let data = SyntheticTrajectories(groups: groups, groupSize: size, toolTurns: turns, toolResultChars: resultChars)
        try data.trajectoryLines().write(toFile: path + ".tmp", atomically: false, encoding: .utf8)
        try FileManager.default.moveItem(atPath: path + ".tmp", toPath: path)
        return path
    }

    static func megabytes(_ path: String) -> Double {
        let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int ?? 0
        return Double(size) / 1e6
    }
}

/// Wall and CPU of one child process run.
struct ChildRun {
    var wall: Double
    var cpu: Double
    var status: Int32
    var stderr: String
}

/// Runs a built executable beside this one and measures its wall and CPU time.
func runChild(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ChildRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let err = Pipe()
    process.standardError = err
    process.standardOutput = FileHandle.nullDevice
    let cpu0 = childCPUSeconds(), t0 = now()
    try process.run()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ChildRun(wall: now() - t0, cpu: childCPUSeconds() - cpu0, status: process.terminationStatus, stderr: String(decoding: errData, as: UTF8.self))
}

/// CPU seconds of all reaped children.
func childCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}
