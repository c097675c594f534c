import Foundation

/// One of the package's executables started in the background, to be killed mid-run: spawned with
/// posix_spawn and reaped with waitpid, so how it ended is known for certain.
public final class SpawnedProduct: @unchecked Sendable {
    public let pid: pid_t
    private var reaped = false

    /// Starts product `name` with `arguments` and `environment` added to this process's; its output
    /// goes to the file `output`.
    public init(_ name: String, _ arguments: [String], output: String = "/dev/null", environment: [String: String] = [:]) throws {
        pid = try Self.spawn([TestPaths.products.appendingPathComponent(name).path] + arguments, output: output, environment: environment)
    }

    /// Starts `argv` with standard input from /dev/null and standard output and error to the file
    /// `output` (not a pipe: a daemon it starts could hold a pipe open for good); returns its pid.
    static func spawn(_ argv: [String], output: String, environment: [String: String] = [:]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in cEnv { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArgs, cEnv)
        guard spawned == 0 else { throw CocoaError(.executableNotLoadable) }
        return pid
    }

    /// Whether it is still running: neither gone nor a zombie. Read from /proc, not from `waitpid`:
    /// in a test process that also runs Foundation's `Process`, the exit status may be reaped by
    /// someone else first.
    public var isRunning: Bool {
        guard let state = Self.statFields(pid)?.first else { return false }
        return state != "Z" && state != "X"
    }

    /// CPU seconds (user + system) it has used so far, from /proc.
    public var cpuSeconds: Double {
        // After the command: state is stat's field 3, so utime (14) and stime (15) are at 11 and 12 here.
        guard let fields = Self.statFields(pid), fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12])
        else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The fields of /proc/PID/stat after the command name (which may hold spaces and parentheses).
    static func statFields(_ pid: pid_t) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else {
            return nil
        }
        return stat[stat.index(after: close)...].split(separator: " ")
    }

    /// A `waitpid` status as a shell shows it: the exit code, or 128 + the signal that ended it.
    public static func exitCode(waitStatus status: Int32) -> Int32 {
        status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Sends `signal` (SIGTERM, SIGINT, ...).
    public func send(_ signal: Int32) { kill(pid, signal) }

    /// Waits up to `timeout` for it to exit; its exit status, or nil if it still runs or someone
    /// else reaped it (then `isRunning` is false).
    public func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                reaped = true
                return Self.exitCode(waitStatus: status)
            }
            if r < 0 {
                reaped = true
                return nil
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Sends SIGKILL and waits for it to be gone; true when it was still running when killed.
    public func killAndWait() -> Bool {
        let wasRunning = isRunning
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)  // may find it reaped already (ECHILD): the state above is what counts
        reaped = true
        return wasRunning
    }

    deinit {
        if !reaped {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }
}
