import Foundation

/// A throw-away PostgreSQL 15 cluster on 127.0.0.1 for one test: `initdb` into a temporary folder,
/// `pg_ctl start` on a free port, trust authentication. PostgreSQL refuses to run as root, so as
/// root the server runs as the `postgres` user (through `runuser`).
public final class PostgresServer: @unchecked Sendable {
    /// Debian's server binaries.
    public static let binaries = ProcessInfo.processInfo.environment["GAVEL_POSTGRES_BIN"] ?? "/usr/lib/postgresql/15/bin"

    /// Whether this machine can start one (the binaries, and root with a `postgres` user, or not root).
    public static var available: Bool {
        FileManager.default.isExecutableFile(atPath: binaries + "/initdb")
            && (getuid() != 0 || (getpwnam("postgres") != nil && FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser")))
    }

    public let folder: String
    public private(set) var port: Int

    /// A URL for database `database` (no TLS: loopback).
    public func url(_ database: String = "postgres") -> String {
        "postgres://postgres@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// Makes and starts the cluster.
    public init() async throws {
        let template = NSTemporaryDirectory() + "/gavel-pg-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let made = bytes.withUnsafeMutableBufferPointer({ b in b.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw CocoaError(.fileWriteUnknown)
        }
        folder = String(cString: made)
        chmod(folder, 0o755)
        if getuid() == 0, let pw = getpwnam("postgres") { chown(folder, pw.pointee.pw_uid, pw.pointee.pw_gid) }
        port = try RefusingPort().port
        try await Self.run(["initdb", "-D", folder + "/data", "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
        try await start()
    }

    deinit {
        let folder = self.folder
        _ = try? Self.runBlocking(["pg_ctl", "-D", folder + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Starts the server (again), on a new free port if the old one was taken: the free port found
    /// is free only until someone binds it, and tests start servers and simulators side by side.
    public func start() async throws {
        for attempt in 1...3 {
            do {
                try await Self.run([
                    "pg_ctl", "-D", folder + "/data", "-l", folder + "/log", "-w", "-o",
                    "-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start",
                ])
                return
            } catch {
                // The server's own log says why it did not start; a taken port is worth another try.
                let log = (try? String(contentsOfFile: folder + "/log", encoding: .utf8)) ?? ""
                let taken = log.contains("could not bind") || log.contains("Address already in use")
                guard taken, attempt < 3 else {
                    throw PostgresServerError(
                        "\(error)\nserver log (last lines):\n\(log.split(separator: "\n").suffix(15).joined(separator: "\n"))")
                }
                port = try RefusingPort().port
            }
        }
    }

    /// Stops the server at once (as a crash or an outage would).
    public func stop() async throws {
        try await Self.run(["pg_ctl", "-D", folder + "/data", "-m", "immediate", "-w", "stop"])
    }

    /// Creates database `name`.
    public func createDatabase(_ name: String) async throws {
        try await Self.run(["createdb", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", name])
    }

    /// Runs one of the server's programs (as `postgres` when root) off the cooperative pool.
    static func run(_ arguments: [String]) async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async { c.resume(with: Result { try runBlocking(arguments) }) }
        }
    }

    static func runBlocking(_ arguments: [String]) throws {
        let program = binaries + "/" + arguments[0]
        let argv =
            getuid() == 0
            ? ["/usr/sbin/runuser", "-u", "postgres", "--", program] + arguments.dropFirst() : [program] + arguments.dropFirst()
        // posix_spawn and waitpid: Foundation's Process did not reap runuser here.
        let log = NSTemporaryDirectory() + "/gavel-pg-\(UUID().uuidString).log"
        defer { unlink(log) }
        let pid = try SpawnedProduct.spawn(argv, output: log)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        guard code == 0 else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw PostgresServerError("\(arguments[0]) failed (\(code)): \(output)")
        }
    }
}

/// A throw-away cluster that would not start or stop.
public struct PostgresServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
