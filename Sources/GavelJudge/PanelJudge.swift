import Foundation
import GavelCore
import GavelJSON
import Synchronization

/// A jury of judges: every member scores every prompt, and their scores are combined (Verga et al.,
/// "Replacing Judges with Juries", 2024). Members are cached and rate-limited each on their own.
///
/// A member that fails on a prompt is left out of that prompt's combination and named in
/// `panelMissing`; one that cannot be reached at all or refuses its key is not asked again. The
/// prompt fails only when every member fails.
public final class PanelJudge: Judge {
    /// How members' scores become one.
    public enum Combination: String, Sendable, CaseIterable {
        /// The mean of the members' scores.
        case mean
        /// The median of the members' scores.
        case median
        /// Borda count: each member's ranking of the ids as points, averaged, scaled to 0–1.
        case borda
    }

    public let members: [any Judge]
    public let combination: Combination
    /// The member whose explanations the output carries (when it answered).
    public let explainer: Int
    /// Members given up on for the rest of the run, and why.
    private let dropped = Mutex<[Int: String]>([:])

    public init(members: [any Judge], combination: Combination = .mean, explainWith: Int = 0) {
        self.members = members
        self.combination = combination
        self.explainer = min(max(0, explainWith), max(0, members.count - 1))
    }

    public var name: String { "panel:" + members.map(\.name).joined(separator: ",") }
    public var cacheIdentity: JSONValue { .array(members.map(\.cacheIdentity)) }
    public var callStatistics: JudgeStatistics? { members.first?.callStatistics }

    public func wouldAnswerFromCache(_ prompt: JudgePrompt) async throws -> Bool {
        for m in members where !(try await m.wouldAnswerFromCache(prompt)) { return false }
        return true
    }

    public func judge(_ prompt: JudgePrompt) async throws -> JudgeVerdict {
        let skip = dropped.withLock { $0 }
        let results = await withTaskGroup(of: (Int, Result<JudgeVerdict, any Error>).self) { group in
            for (i, member) in members.enumerated() where skip[i] == nil {
                group.addTask {
                    // The Result is bound before the tuple is made: Swift 6.3.1 at -O miscompiles a closure
                    // that returns `(i, .success(try await f()))` from a do/catch — the caller receives a
                    // wrong `i` (0 or garbage), which crashed every panel in release builds as an index out
                    // of range (debug builds are fine). Reduced, built with `swiftc -O`:
                    //
                    //     struct V { var a: [Double]; var b: String }
                    //     struct Bad: Error {}
                    //     func f(_ p: Int) async throws -> V {
                    //         await Task.yield()
                    //         if p < 0 { throw Bad() }
                    //         return V(a: [Double(p)], b: "r")
                    //     }
                    //     let i = Int.random(in: 3...3)
                    //     let t = Task { () -> (Int, Result<V, any Error>) in
                    //         do { return (i, .success(try await f(i))) } catch { return (i, .failure(error)) }
                    //     }
                    //     print(await t.value.0)  // prints 0, not 3
                    //
                    // Binding the Result first (below), or `let v = try await f(i)` before the tuple, is
                    // compiled correctly. SourceStyleTests refuses the pattern anywhere in Sources.
                    let result: Result<JudgeVerdict, any Error>
                    do { result = .success(try await member.judge(prompt)) } catch { result = .failure(error) }
                    return (i, result)
                }
            }
            var all: [(Int, Result<JudgeVerdict, any Error>)] = []
            for await r in group { all.append(r) }
            return all.sorted { $0.0 < $1.0 }
        }
        var answered: [(Int, JudgeVerdict)] = []
        var missing = skip.keys.sorted().map { members[$0].name }
        var firstError: (any Error)?
        for (i, result) in results {
            switch result {
            case .success(let v): answered.append((i, v))
            case .failure(let error):
                if let e = error as? JudgeError, e.isCancellation { throw e }
                if error is CancellationError { throw error }
                if let e = error as? JudgeError, e.isFatal { dropped.withLock { $0[i] = e.description } }
                missing.append(members[i].name)
                firstError = firstError ?? error
            }
        }
        guard !answered.isEmpty else { throw firstError ?? JudgeError.gaveUp("no panel member answered") }
        var verdict = JudgeVerdict(
            scores: Self.combine(answered.map(\.1.scores), combination),
            explanations: (answered.first { $0.0 == explainer } ?? answered[0]).1.explanations,
            usage: answered.reduce(TokenUsage()) {
                var u = $0; u += $1.1.usage; return u
            },
            raw: answered[0].1.raw, calls: answered.reduce(0) { $0 + $1.1.calls }, cached: answered.allSatisfy(\.1.cached))
        // Members answer side by side: the panel took as long as its slowest member.
        verdict.seconds = answered.map(\.1.seconds).max() ?? 0
        verdict.panel = answered.map { PanelScores(member: members[$0.0].name, scores: $0.1.scores) }
        verdict.panelMissing = missing.sorted()
        return verdict
    }

    /// Combines per-member score lists (each in id order) into one list.
    static func combine(_ lists: [[Double]], _ how: Combination) -> [Double] {
        guard let n = lists.first?.count else { return [] }
        switch how {
        case .mean:
            return (0..<n).map { i in lists.reduce(0) { $0 + $1[i] } / Double(lists.count) }
        case .median:
            return (0..<n).map { i in
                let v = lists.map { $0[i] }.sorted()
                return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
            }
        case .borda:
            // Points = ids scored below (ties count half), scaled to 0–1 by n − 1, averaged over members.
            guard n > 1 else { return [lists.reduce(0) { $0 + $1[0] } / Double(lists.count)] }
            return (0..<n).map { i in
                lists.reduce(0) { sum, l in
                    sum + l.indices.reduce(0) { $0 + (l[$1] < l[i] ? 1 : (l[$1] == l[i] && $1 != i ? 0.5 : 0)) } / Double(n - 1)
                } / Double(lists.count)
            }
        }
    }
}
