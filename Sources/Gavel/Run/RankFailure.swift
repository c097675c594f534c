import GavelCache
import GavelCore
import GavelIO
import GavelPool

/// Why a ranking run could not start or finish (judge failures of single groups are in the summary).
public enum RankFailure: Error, Sendable, CustomStringConvertible {
    /// The configuration cannot work: an unknown provider, a missing key, a bad rubric or price file.
    case configuration(String, Setting?)
    /// The cache folder cannot be used.
    case cache(String)
    /// The cache database cannot be reached at the start of a run.
    case cacheUnreachable(String)
    /// An input file is missing, unreadable or malformed.
    case input(InputError)
    /// The output cannot be written.
    case output(OutputError)
    /// The score stage's worker pool failed.
    case scoreStage(ProcessPool.PoolError)
    /// The group named for a prompt preview is not in the input.
    case noSuchGroup(String)
    /// A batch could not be submitted, checked or collected.
    case batch(BatchError)
    /// A failure none of the above explains (a bug, or a system call nobody expected to fail).
    case unexpected(String)

    /// The wrapped failure, for errors the run's parts throw.
    public init(_ error: any Error) {
        switch error {
        case let e as RankFailure: self = e
        case let e as InputError: self = .input(e)
        case let e as OutputError: self = .output(e)
        case let e as ProcessPool.PoolError: self = .scoreStage(e)
        case let e as ConfigurationError: self = .configuration(e.description, e.setting)
        case let e as BatchError: self = .batch(e)
        case let e as CacheError: self = .cache(e.description)
        case let e as CacheUnreachable: self = .cacheUnreachable(e.description)
        default: self = .unexpected("\(error)")
        }
    }

    /// The process exit status this failure maps to.
    public var exitStatus: ExitStatus {
        switch self {
        case .configuration, .cache, .input, .noSuchGroup: return .usage
        case .output(let e): return e.isClosedByReader ? .brokenPipe : .usage
        case .scoreStage, .unexpected: return .groupsFailed
        case .batch(let e): return e.isUnreachable || e.isRefused ? .judgeUnavailable : .usage
        case .cacheUnreachable: return .judgeUnavailable
        }
    }

    /// The setting that would fix it, when one would.
    public var setting: Setting? {
        switch self {
        case .configuration(_, let setting): return setting
        case .input(let e): return e.setting
        case .noSuchGroup: return .grouping
        default: return nil
        }
    }

    /// Whether the output's reader went away (`| head`): a quiet stop, not an error to shout about.
    public var isClosedByReader: Bool {
        if case .output(let e) = self { return e.isClosedByReader }
        return false
    }

    public var description: String {
        switch self {
        case .configuration(let m, _): return m
        case .cache(let m): return m
        case .cacheUnreachable(let m): return m
        case .input(let e): return e.description
        case .output(let e): return e.description
        case .scoreStage(let e): return e.description
        case .batch(let e): return e.description
        case .unexpected(let m): return m
        case .noSuchGroup(let key):
            return
                "no group \"\(key)\" in the input (group keys come from the grouping rule: by default group_id, metadata.group_id or "
                + "metadata.scenario_id)"
        }
    }
}

extension RankSummary {
    /// The exit status of a finished run.
    public var exitStatus: ExitStatus {
        if interrupted { return .interrupted }
        if let fatalError { return fatalError.isAccessProblem ? .judgeUnavailable : .groupsFailed }
        return isComplete ? .ok : .groupsFailed
    }
}
