import Gavel

/// Why `gavel serve` cannot start or stopped.
public enum ServeFailure: Error, Sendable, CustomStringConvertible {
    /// A setting of the service itself is wrong (the listening address, the token).
    case configuration(String)
    /// The ranking run cannot be built (judge, key, rubric, cache).
    case run(RankFailure)
    /// The server could not listen or failed while running.
    case server(String)

    public var description: String {
        switch self {
        case .configuration(let m), .server(let m): return m
        case .run(let failure): return failure.description
        }
    }

    /// The process exit status: 2 for settings, the run's own status for the run, 1 for the server.
    public var exitStatus: ExitStatus {
        switch self {
        case .configuration: return .usage
        case .run(let failure): return failure.exitStatus
        case .server: return .groupsFailed
        }
    }
}
