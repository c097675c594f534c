import Testing

@testable import GavelScoring

/// The Swiss schedule of a pairwise tournament, driven by a simulated judge with no I/O.
@Suite("Pairwise tournament schedule")
struct PairwiseScheduleTests {
    /// Plays a tournament among members whose true strength is `truth[m]`; `upsets` flips the
    /// results of the pairs it names (a judge that errs). Returns the pairs played per round.
    static func play(
        _ truth: [Double], canonical: [Int]? = nil, beats: ((Int, Int) -> Bool)? = nil
    ) -> [[PairwiseSchedule.Pair]] {
        let n = truth.count
        var schedule = PairwiseSchedule(canonical: canonical ?? Array(0..<n))
        var comparisons = BradleyTerry.Comparisons(members: n)
        var strengths = [Double](repeating: 1, count: n), settled = false, rounds: [[PairwiseSchedule.Pair]] = []
        while true {
            let pairs = schedule.nextRound(ranking: schedule.ranking(strengths: strengths), settled: settled)
            if pairs.isEmpty { break }
            rounds.append(pairs)
            settled = true
            for p in pairs {
                let aWins = beats?(p.a, p.b) ?? (truth[p.a] > truth[p.b])
                let (sa, sb) = aWins ? (0.9, 0.1) : (0.1, 0.9)
                comparisons.add(window: [p.a, p.b], scores: [sa, sb])
                if PairwiseSchedule.isUpset(strengths: strengths, pair: (p.a, p.b), scores: (sa, sb)) { settled = false }
            }
            strengths = BradleyTerry().strengths(comparisons)
        }
        return rounds
    }

    @Test("a consistent judge: ⌈log2 n⌉ rounds of disjoint new pairs, far fewer than every pair")
    func consistent() {
        for n in [2, 3, 4, 5, 8, 16] {
            let truth = (0..<n).map { Double(($0 * 5) % n) }  // a scrambled order
            let rounds = Self.play(truth)
            let all = rounds.flatMap { $0 }
            #expect(Set(all).count == all.count, "n=\(n): a pair met twice")
            for r in rounds {
                let members = r.flatMap { [$0.a, $0.b] }
                #expect(Set(members).count == members.count, "n=\(n): a member played twice in one round")
                #expect(r.count <= n / 2)
            }
            let minimum = PairwiseSchedule(canonical: Array(0..<n)).minRounds
            #expect(rounds.count >= minimum && rounds.count <= n - 1, "n=\(n): \(rounds.count) rounds")
            if n >= 8 { #expect(all.count * 2 < n * (n - 1) / 2, "n=\(n): \(all.count) pairs of \(n * (n - 1) / 2)") }
        }
        #expect(Self.play(Array(repeating: 1, count: 8).enumerated().map { Double($0.offset) }).count == 3)
    }

    @Test("upsets earn more rounds; the tournament still ends, within n − 1 rounds")
    func upsets() {
        let truth = (0..<7).map(Double.init)
        let calm = Self.play(truth).count
        // A judge whose answers follow no order at all: each member beats the next three round a circle.
        let noisy = Self.play(truth) { a, b in (1...3).contains((b - a + 7) % 7) }
        #expect(noisy.count > calm && noisy.count <= 6, "\(calm) → \(noisy.count)")
    }

    @Test("an odd group gives a different member the bye each full round")
    func byes() {
        let rounds = Self.play([5, 1, 4, 2, 3])
        var sat: [Int] = []
        for r in rounds where r.count == 2 {
            let playing = Set(r.flatMap { [$0.a, $0.b] })
            sat += (0..<5).filter { !playing.contains($0) }
        }
        #expect(Set(sat).count == sat.count, "a member sat out twice: \(sat)")
    }

    @Test("the schedule follows the canonical order, not the file's: same members, same pairs")
    func orderInvariant() {
        let a = PairwiseSchedule(canonical: [3, 0, 2, 1])
        var s = a
        let first = s.nextRound(ranking: a.canonical, settled: false)
        #expect(first == [PairwiseSchedule.Pair(3, 0), PairwiseSchedule.Pair(2, 1)])
        #expect(a.ranking(strengths: [1, 1, 1, 1]) == [3, 0, 2, 1], "ties keep the canonical order")
        #expect(a.ranking(strengths: [1, 4, 1, 1]) == [1, 3, 0, 2])
        #expect(PairwiseSchedule.isUpset(strengths: [2, 1], pair: (0, 1), scores: (0.2, 0.8)))
        #expect(!PairwiseSchedule.isUpset(strengths: [2, 1], pair: (0, 1), scores: (0.8, 0.2)))
        #expect(!PairwiseSchedule.isUpset(strengths: [1, 1], pair: (0, 1), scores: (0.2, 0.8)), "no order yet: no upset")
        var one = PairwiseSchedule(canonical: [0])
        #expect(one.nextRound(ranking: [0], settled: false).isEmpty)
    }
}
