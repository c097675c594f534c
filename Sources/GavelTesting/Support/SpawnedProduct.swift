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
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != nil && state != "Z" && state != "X"
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
                // WIFEXITED/WEXITSTATUS: the low 7 bits are the killing signal, the next 8 the exit code.
                return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
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
