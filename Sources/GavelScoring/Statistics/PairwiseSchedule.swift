import Foundation

/// Which pairs of a group a pairwise tournament (`--compare pairwise`) puts to the judge, round by
/// round, like a Swiss tournament: each round pairs members that stand next to each other in the
/// current ranking and have not met yet, so the calls go where the order is still in doubt.
///
/// A group of n plays at least ⌈log2 n⌉ rounds of ⌊n/2⌋ pairs; after that it stops at the first round
/// in which no result was an upset (the lower-ranked member of a pair coming out ahead, both orders
/// taken together). Upsets earn more rounds, up to n − 1 (or until every pair has met). With
/// answers that agree with each other a group of 8 takes 12 pairs (24 calls, both orders) where
/// judging every ordered pair takes 56.
public struct PairwiseSchedule: Sendable {
    /// A pair of member indices, smaller first.
    public struct Pair: Sendable, Hashable {
        public let a: Int
        public let b: Int
        public init(_ x: Int, _ y: Int) { (a, b) = x < y ? (x, y) : (y, x) }
    }

    public let members: Int
    /// The group's canonical order (by content hash): the first round's ranking and every tie's breaker.
    public let canonical: [Int]
    public private(set) var played: Set<Pair> = []
    public private(set) var rounds = 0
    /// Rounds sat out, per member (an odd group gives one member a bye each round, fewest byes first).
    private var byes: [Int]

    public init(canonical: [Int]) {
        self.canonical = canonical
        members = canonical.count
        byes = Array(repeating: 0, count: canonical.count)
    }

    public var minRounds: Int { members < 2 ? 0 : Int(Foundation.ceil(Foundation.log2(Double(members)))) }
    public var maxRounds: Int { max(0, members - 1) }

    /// The next round's pairs, scheduled from `ranking` (members, best first); empty when the
    /// tournament is over. `settled`: whether the last round's results all agreed with the ranking
    /// it was scheduled from.
    public mutating func nextRound(ranking: [Int], settled: Bool) -> [Pair] {
        guard members >= 2, rounds < maxRounds, !(rounds >= minRounds && settled) else { return [] }
        var open = ranking
        if open.count % 2 == 1 {
            // The bye goes to the member with the fewest so far, lowest-ranked first.
            let sitter = open.reversed().min { byes[$0] < byes[$1] } ?? open[open.count - 1]
            byes[sitter] += 1
            open.removeAll { $0 == sitter }
        }
        var pairs: [Pair] = []
        while let first = open.first {
            open.removeFirst()
            // The nearest member below not met yet; if it has met everyone left, the nearest one.
            let k = open.firstIndex { !played.contains(Pair(first, $0)) } ?? 0
            guard k < open.count else { break }
            let second = open.remove(at: k)
            pairs.append(Pair(first, second))
        }
        let fresh = pairs.filter { !played.contains($0) }
        guard !fresh.isEmpty else { return [] }
        played.formUnion(fresh)
        rounds += 1
        return fresh
    }

    /// Whether a pair's result (`scores`, both orders taken together) is an upset: the member the
    /// fit so far holds weaker came out ahead. Members the fit cannot yet tell apart have no upset.
    public static func isUpset(strengths: [Double], pair: (Int, Int), scores: (Double, Double)) -> Bool {
        let (x, y) = (strengths[pair.0], strengths[pair.1])
        guard abs(x - y) > 1e-6 * max(x, y) else { return false }
        return x > y ? scores.1 > scores.0 : scores.0 > scores.1
    }

    /// Members ordered by `strengths` (higher first), ties in canonical order.
    public func ranking(strengths: [Double]) -> [Int] {
        let position = Dictionary(uniqueKeysWithValues: canonical.enumerated().map { ($1, $0) })
        return canonical.sorted { x, y in
            strengths[x] != strengths[y] ? strengths[x] > strengths[y] : (position[x] ?? 0) < (position[y] ?? 0)
        }
    }
}
