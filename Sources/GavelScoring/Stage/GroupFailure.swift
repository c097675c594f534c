import GavelPool

/// Why a group has no scores: written to its lines as `gavel.error`.
public enum GroupFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The judge could not score this group (retries ran out, a refused request): its message.
    case judgeFailed(String)
    /// The run was interrupted before the group was judged.
    case interrupted
    /// A fatal judge error stopped the run before the group was judged: that error's message.
    case runStopped(String)
    /// The run stopped after another group failed, under `OnError.fail`.
    case stoppedAfterFailure
    /// The group was never judged (nothing else is known).
    case notJudged

    public var description: String {
        switch self {
        case .judgeFailed(let message): return message
        case .interrupted: return "not judged: the run was interrupted"
        case .runStopped(let message): return "not judged: the run stopped: \(message)"
        case .stoppedAfterFailure: return "not judged: the run stopped after a failed group (on-error policy: fail)"
        case .notJudged: return "not judged"
        }
    }

    /// The failure as a pool message carries it: a kind byte, then the message where there is one.
    func write(to w: inout FrameWriter) {
        switch self {
        case .judgeFailed(let message):
            w.u8(0)
            w.string(message)
        case .interrupted: w.u8(1)
        case .runStopped(let message):
            w.u8(2)
            w.string(message)
        case .stoppedAfterFailure: w.u8(3)
        case .notJudged: w.u8(4)
        }
    }

    /// Reads what `write(to:)` wrote.
    init(from r: inout FrameReader) throws {
        switch try r.u8() {
        case 0: self = .judgeFailed(try r.string())
        case 1: self = .interrupted
        case 2: self = .runStopped(try r.string())
        case 3: self = .stoppedAfterFailure
        case 4: self = .notJudged
        default: throw ScorePoolMessages.Malformed(description: "unknown group failure kind")
        }
    }
}
