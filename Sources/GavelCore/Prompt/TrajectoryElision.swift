import GavelJSON

/// Shortens a trajectory to a token budget so that a judge with a small context still sees every
/// trajectory of a group at once: the longest tool outputs and assistant texts lose their middle
/// first, each cut marked in place (`[… 18,204 characters elided …]`), down to one common length.
///
/// Never cut: the task (system and user messages), the final answer (the last assistant message),
/// tool calls, and everything before `start` (the group's shared context, shown once). The result
/// depends only on the trajectory and the budget, so the same input renders — and caches — the same.
public enum TrajectoryElision {
    /// What was cut from one trajectory (`gavel.elided`).
    public struct Cut: Sendable, Equatable {
        /// Characters removed from the texts that were shortened.
        public var characters: Int
        /// Estimated tokens the trajectory's prompt block lost (markers included).
        public var tokens: Int
        /// Texts shortened.
        public var texts: Int

        public init(characters: Int, tokens: Int, texts: Int) {
            self.characters = characters
            self.tokens = tokens
            self.texts = texts
        }

        /// Both cuts together (a trajectory's own, and the shared context's).
        public static func + (a: Cut, b: Cut) -> Cut {
            Cut(characters: a.characters + b.characters, tokens: a.tokens + b.tokens, texts: a.texts + b.texts)
        }
    }

    /// Characters every shortened text keeps (its head and tail together).
    public static let minimumKept = 160
    /// A text is only cut when that saves more than this many characters (a marker costs ~30).
    static let worthCutting = 64

    /// The estimated tokens of a trajectory's prompt block from message `start` on.
    public static func tokens(_ t: Trajectory, from start: Int) -> Int {
        TokenEstimator.estimate(PromptBuilder.encode(t.messages[min(start, t.messages.count)...]))
    }

    /// `t` with its messages from `start` on shortened to about `budget` estimated tokens, and what
    /// was cut; `t` itself and nil when it fits or has nothing that may be cut. When even the
    /// shortest cut is over budget the result is as short as the rules allow (windows split the rest).
    public static func elide(_ t: Trajectory, from start: Int = 0, budget: Int) -> (Trajectory, Cut?) {
        let before = tokens(t, from: start)
        guard before > budget else { return (t, nil) }
        let places = elidable(t, from: start)
        guard !places.isEmpty else { return (t, nil) }
        let texts = places.map { text(in: t, at: $0) }
        let lengths = texts.map(\.count)
        let textTokens = texts.reduce(0) { $0 + TokenEstimator.estimate($1) }
        let charsPerToken = max(1, Double(lengths.reduce(0, +)) / Double(max(1, textTokens)))
        var remove = Double(before - budget) * charsPerToken
        var best: (Trajectory, Cut)?
        // Each round cuts to one common length; if the estimate is still over, cut deeper. Bounded.
        for _ in 0..<6 {
            let cap = level(lengths, removing: remove)
            var shortened = t, cut = Cut(characters: 0, tokens: 0, texts: 0)
            for (i, place) in places.enumerated() where lengths[i] - cap > worthCutting {
                setText(in: &shortened, at: place, shorten(texts[i], keeping: cap))
                cut.characters += lengths[i] - cap
                cut.texts += 1
            }
            guard cut.texts > 0 else { return best ?? (t, nil) }
            let after = tokens(shortened, from: start)
            cut.tokens = before - after
            best = (shortened, cut)
            if after <= budget || cap == minimumKept { break }
            remove += Double(after - budget) * charsPerToken * 1.1 + Double(worthCutting)
        }
        return best ?? (t, nil)
    }

    /// The common length to cut every longer text to so that about `removing` characters go
    /// (water-filling from the longest down), never below `minimumKept`.
    static func level(_ lengths: [Int], removing: Double) -> Int {
        let sorted = lengths.sorted(by: >)
        var sum = 0.0
        for (k, l) in sorted.enumerated() {
            sum += Double(l)
            // Cutting the k+1 longest to a common length c removes sum − (k+1)·c; it is the answer
            // when c stays at or above the next length.
            let c = (sum - removing) / Double(k + 1)
            let next = k + 1 < sorted.count ? Double(sorted[k + 1]) : 0
            if c >= next { return max(minimumKept, Int(c.rounded(.down))) }
        }
        return minimumKept
    }

    /// Where a cuttable text sits: message `message`, and the index of a text part when the
    /// message's content is a list of parts.
    struct Place: Equatable {
        var message: Int
        var part: Int?
    }

    /// The texts that may be cut: the contents of tool messages and of assistant messages before
    /// the last one, from `start` on.
    static func elidable(_ t: Trajectory, from start: Int) -> [Place] {
        let lastAssistant = t.messages.lastIndex { $0["role"]?.stringValue == "assistant" }
        var places: [Place] = []
        for i in t.messages.indices where i >= start && i != lastAssistant {
            let role = t.messages[i]["role"]?.stringValue
            guard role == "tool" || role == "assistant" || role == "function" else { continue }
            switch t.messages[i]["content"] {
            case .string?: places.append(Place(message: i, part: nil))
            case .array(let parts)?:
                for (p, part) in parts.enumerated() where part["text"]?.stringValue != nil { places.append(Place(message: i, part: p)) }
            default: break
            }
        }
        return places
    }

    static func text(in t: Trajectory, at place: Place) -> String {
        let content = t.messages[place.message]["content"]
        if let p = place.part { return content?.arrayValue?[p]["text"]?.stringValue ?? "" }
        return content?.stringValue ?? ""
    }

    static func setText(in t: inout Trajectory, at place: Place, _ text: String) {
        guard case .object(var message) = t.messages[place.message] else { return }
        if let p = place.part, case .array(var parts)? = message["content"], case .object(var part) = parts[p] {
            part["text"] = .string(text)
            parts[p] = .object(part)
            message["content"] = .array(parts)
        } else {
            message["content"] = .string(text)
        }
        t.messages[place.message] = .object(message)
    }

    /// `text` with its middle replaced by a marker, keeping `keep` characters: the head and tail halves.
    static func shorten(_ text: String, keeping keep: Int) -> String {
        let removed = text.count - keep
        guard removed > 0 else { return text }
        let head = text.prefix((keep + 1) / 2), tail = text.suffix(keep / 2)
        return head + " [… \(grouped(removed)) characters elided …] " + tail
    }

    /// `n` with thousands separated by commas, whatever the locale (prompts must not depend on it).
    static func grouped(_ n: Int) -> String {
        var digits = String(n), out = ""
        while digits.count > 3 {
            out = "," + digits.suffix(3) + out
            digits.removeLast(3)
        }
        return digits + out
    }
}

extension TrajectoryElision {
    /// The fewest tokens a trajectory is cut to when a group is shortened to fit a prompt: below
    /// this a judge sees too little to compare, and windows split the group instead.
    public static let minimumBudget = 256

    /// The per-trajectory budget that lets trajectories of `tokens` fit `room` together: the
    /// shorter ones keep all theirs, the longer ones share what is left equally (never below
    /// `minimumBudget`).
    public static func share(_ tokens: [Int], room: Int) -> Int {
        let sorted = tokens.sorted()
        var left = room
        for (k, t) in sorted.enumerated() {
            let equal = left / (sorted.count - k)
            if t > equal { return max(minimumBudget, equal) }
            left -= t
        }
        return max(minimumBudget, sorted.last ?? room)
    }
}
