import GavelCore
import GavelJSON

/// A judge that keeps to a spending limit: before each call the cache cannot answer, it reserves
/// the call's estimated price (the prompt's estimated tokens and the answer the mode expects, at
/// the judge's price) and refuses the call — a fatal error that stops the run — when that would
/// pass the limit; after the call it settles at the tokens the answer reports.
public final class BudgetJudge: Judge {
    let inner: any Judge
    let price: ModelMap.Price
    public let limit: SpendingLimit

    /// `price`: per million tokens, for a panel the sum of its members' (every member reads every prompt).
    public init(_ inner: any Judge, price: ModelMap.Price, limit: SpendingLimit) {
        self.inner = inner
        self.price = price
        self.limit = limit
    }

    public var name: String { inner.name }
    public var cacheIdentity: JSONValue { inner.cacheIdentity }
    public var callStatistics: JudgeStatistics? { inner.callStatistics }

    public func wouldAnswerFromCache(_ prompt: JudgePrompt) async throws -> Bool { try await inner.wouldAnswerFromCache(prompt) }

    public func judge(_ prompt: JudgePrompt) async throws -> JudgeVerdict {
        let estimate = price.cost(TokenEstimator.estimate(prompt))
        // The cache is asked only at the limit (an answer it holds costs nothing and is never refused);
        // below it, one lookup — the inner judge's own — serves, and a cached answer settles at $0.
        if !limit.fits(estimate), try await inner.wouldAnswerFromCache(prompt) { return try await inner.judge(prompt) }
        guard limit.reserve(estimate) else {
            let s = limit.snapshot
            throw JudgeError.costLimit(
                String(
                    format:
                        "cost limit: the next call (~$%.4f) would take the spend past the limit of $%.4f ($%.4f spent, $%.4f in flight)",
                    estimate, limit.limit, s.spent, s.reserved))
        }
        do {
            let verdict = try await inner.judge(prompt)
            limit.settle(reserved: estimate, cost: verdict.cached ? 0 : price.cost(verdict.usage))
            return verdict
        } catch {
            limit.settle(reserved: estimate, cost: 0)
            throw error
        }
    }
}
