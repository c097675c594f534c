import Foundation

/// One of the package's executables started in the background, to be killed mid-run: spawned with
/// posix_spawn and reaped with waitpid, so how it ended is known for certain.
public final class SpawnedProduct: @unchecked Sendable {
    public let pid: pid_t
    private var reaped: Int32?

    /// Starts product `name` with `arguments`; its output goes to /dev/null.
    public init(_ name: String, _ arguments: [String]) throws {
        pid = try Self.spawn([TestPaths.products.appendingPathComponent(name).path] + arguments, output: "/dev/null")
    }

    /// Starts `argv` with standard input from /dev/null and standard output and error to the file
    /// `output` (not a pipe: a daemon it starts could hold a pipe open for good); returns its pid.
    static func spawn(_ argv: [String], output: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ)
        guard spawned == 0 else { throw CocoaError(.executableNotLoadable) }
        return pid
    }

    /// Whether it is still running (not yet exited).
    public var isRunning: Bool {
        guard reaped == nil else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            reaped = status
            return false
        }
        return true
    }

    /// Sends SIGKILL and waits; true when the signal is what ended it (it was still running).
    public func killAndWait() -> Bool {
        guard isRunning else { return false }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        reaped = status
        return (status & 0x7F) == SIGKILL
    }

    deinit {
        if reaped == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }
}
