import ArgumentParser
import GavelCore

/// `--shard`: `I/N` (0-based), or `auto` — the scheduler's array index, read from the environment.
enum ShardArgument: ExpressibleByArgument, Equatable {
    case fixed(index: Int, count: Int)
    case auto

    init?(argument: String) {
        if argument == "auto" {
            self = .auto
            return
        }
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else { return nil }
        self = .fixed(index: index, count: count)
    }

    /// The shard to run: as given, or for `auto` from a Kubernetes Indexed Job (`JOB_COMPLETION_INDEX`
    /// with `shards`) or a Slurm job array (`SLURM_ARRAY_TASK_ID` less `SLURM_ARRAY_TASK_MIN`, of
    /// `SLURM_ARRAY_TASK_COUNT`). Throws, naming the flag, when there is no such shard.
    func resolved(shards: Int?, environment: [String: String]) throws -> Shard {
        let index: Int, count: Int
        switch self {
        case .fixed(let i, let n): (index, count) = (i, n)
        case .auto:
            if let i = environment["JOB_COMPLETION_INDEX"].flatMap(Int.init) {
                guard let n = shards else { throw ValidationError("--shard auto under a Kubernetes Indexed Job needs --shards N") }
                (index, count) = (i, n)
            } else if let id = environment["SLURM_ARRAY_TASK_ID"].flatMap(Int.init),
                let n = environment["SLURM_ARRAY_TASK_COUNT"].flatMap(Int.init)
            {
                (index, count) = (id - (environment["SLURM_ARRAY_TASK_MIN"].flatMap(Int.init) ?? 0), n)
            } else {
                throw ValidationError(
                    "--shard auto found neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT")
            }
        }
        guard count >= 1, (0..<count).contains(index) else {
            throw ValidationError("--shard \(index)/\(count): the index must be from 0 to \(max(0, count - 1))")
        }
        return Shard(index: index, count: count)
    }
}
