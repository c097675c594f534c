import Foundation
import GavelTesting

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
    /// Peak resident memory of the child (and its own children), in MB.
    var peakRSSMB: Double = 0
}

/// Runs a built executable beside this one and measures its wall time, CPU time and peak RSS.
///
/// Spawned with posix_spawn and reaped with wait4 (not Foundation's Process, which reaps on its
/// own thread), so the child's own resource usage can be read.
/// `stdout`: a file the child's standard output goes to (else /dev/null).
func runChild(_ name: String, _ arguments: [String], environment: [String: String] = [:], stdout: String? = nil) throws -> ChildRun {
    // A bare name is a product beside this executable; a path is taken as given (relative to the working folder).
    let path =
        name.contains("/")
        ? URL(fileURLWithPath: name).path
        : URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path
    let errPath = NSTemporaryDirectory() + "/gavel-bench-stderr-\(getpid())-\(UUID().uuidString)"
    defer { unlink(errPath) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, stdout ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for p in argv + envp { free(p) } }
    let cpu0 = childCPUSeconds(), t0 = now()
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, path, &actions, nil, argv, envp)
    guard spawned == 0 else { throw BenchError("cannot start \(path): \(String(cString: strerror(spawned)))") }
    // Poll the child's own high-water mark (VmHWM): rusage's maxrss would report this process's
    // peak instead, because posix_spawn starts the child in the parent's address space.
    var status: Int32 = 0
    var peakKB = 0
    while true {
        if let hwm = highWaterKB(pid) { peakKB = max(peakKB, hwm) }
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid { break }
        if r < 0, errno != EINTR { break }
        usleep(10_000)
    }
    let wall = now() - t0
    let exit = SpawnedProduct.exitCode(waitStatus: status)
    let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    return ChildRun(wall: wall, cpu: childCPUSeconds() - cpu0, status: exit, stderr: stderr, peakRSSMB: Double(peakKB) / 1024)
}

/// VmHWM of a running process, in kB.
func highWaterKB(_ pid: pid_t) -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return nil }
    return Int(line.split(separator: " ").dropFirst().first { !$0.isEmpty } ?? "")
}

/// CPU seconds of all reaped children.
func childCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}
