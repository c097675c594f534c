import Foundation

/// One of the package's executables started in the background, to be killed mid-run: spawned with
/// posix_spawn and reaped with waitpid, so how it ended is known for certain.
public final class SpawnedProduct: @unchecked Sendable {
    public let pid: pid_t
    private var reaped: Int32?

    /// Starts product `name` with `arguments`; its output goes to /dev/null.
    public init(_ name: String, _ arguments: [String]) throws {
        let path = TestPaths.products.appendingPathComponent(name).path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw CocoaError(.executableNotLoadable) }
        self.pid = pid
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
