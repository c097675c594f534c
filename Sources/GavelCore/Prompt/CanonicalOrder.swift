import Crypto
import GavelJSON
import GavelSupport

/// Content hashes of trajectories, the canonical order of a group, and per-sample permutations.
///
/// Judging a group in the order of its members' content hashes makes the prompt (and so the
/// cache key) independent of the order the trajectories had in the file.
public enum CanonicalOrder {
    /// SHA-256 of a trajectory's messages and tools, as hex.
    public static func hash(_ t: Trajectory) -> String {
        var w = JSONWriter()
        w.write(.array(t.messages))
        w.append(raw: [0x0A])
        if let tools = t.tools { w.write(tools) }
        return SHA256.hash(data: w.bytes).hexString
    }

    /// Member positions sorted by content hash (ties, i.e. identical trajectories, by position).
    public static func order(hashes: [String]) -> [Int] {
        hashes.indices.sorted { (hashes[$0], $0) < (hashes[$1], $1) }
    }

    /// The group's own hash: independent of member order.
    public static func groupHash(hashes: [String]) -> String {
        SHA256.hash(data: Array(hashes.sorted().joined(separator: "\n").utf8)).hexString
    }

    /// The order for sample `k`: sample 0 is `canonical`; later samples are deterministic
    /// shuffles seeded from the group hash and `k`, so judges' position bias averages out.
    public static func permutation(canonical: [Int], groupHash: String, sample k: Int) -> [Int] {
        guard k > 0, canonical.count > 1 else { return canonical }
        let digest = Array(SHA256.hash(data: Array("\(groupHash)/\(k)".utf8)))
        var rng = SplitMix64(seed: digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        var result = canonical
        for i in stride(from: result.count - 1, to: 0, by: -1) {
            result.swapAt(i, Int(rng.next() % UInt64(i + 1)))
        }
        if result == canonical, result.count > 1 { result.swapAt(0, result.count - 1) }
        return result
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal text of the bytes.
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in self {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension SHA256.Digest {
    package var hexString: String { Array(self).hexString }
}
