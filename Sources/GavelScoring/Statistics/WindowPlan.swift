/// Which subsets of a large group the judge sees: overlapping windows around a ring.
///
/// The members are laid out in the group's canonical order (by content hash, so a reshuffled file
/// gives the same windows and hits the cache); window k holds the `size` members starting at
/// `k × size/2`, wrapping at the end. Consecutive windows share half their members, so the
/// comparison graph is connected, every member is in at least two windows, and a group of n takes
/// ⌈2n / size⌉ windows.
public enum WindowPlan {
    /// The windows of a group of `n` laid out in `canonical` order (member indices, each window in ring order).
    public static func windows(canonical: [Int], size: Int) -> [[Int]] {
        let n = canonical.count
        guard size >= 2, n > size else { return [canonical] }
        let stride = max(1, size / 2)
        let count = (n + stride - 1) / stride
        return (0..<count).map { k in (0..<size).map { j in canonical[(k * stride + j) % n] } }
    }

    /// The window size that keeps an estimated prompt under `maxTokens`, given the tokens of the
    /// whole group's prompt: at least 3 (a pair gives too little to fit), at most `n − 1`.
    public static func size(forTokens tokens: Int, members n: Int, maxTokens: Int, overhead: Int = 600) -> Int {
        let perMember = max(1, (tokens - overhead) / max(1, n))
        let fits = (maxTokens - overhead) / perMember
        return min(max(3, fits), max(3, n - 1))
    }
}
