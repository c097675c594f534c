import GavelSupport

/// Groups of trajectory lines with known, distinct qualities: each line's `reward` is its quality,
/// and its last message carries `QUALITY=<q>`, which the simulator and `StubJudge.byText` score by.
public enum QualityGroups {
    /// `groups` groups of `size` lines (`group_id` g0, g1, ...), every quality distinct within a group;
    /// `filler` repeats of "lorem ipsum " lengthen each trajectory; `shuffled` mixes the lines up.
    public static func lines(groups: Int, size: Int, filler: Int = 0, shuffled: Bool = false, seed: UInt64 = 11) -> String {
        var rng = SplitMix64(seed: seed)
        var lines: [String] = []
        let pad = String(repeating: "lorem ipsum ", count: filler)
        for g in 0..<groups {
            for m in 0..<size {
                let q = Double((m * 7919) % size + 1) / Double(size + 2)
                lines.append(
                    #"{"group_id":"g\#(g)","reward":\#(q),"messages":[{"role":"user","content":"task \#(g)"},"#
                        + #"{"role":"assistant","content":"try \#(m) \#(pad) QUALITY=\#(q)"}]}"#)
            }
        }
        if shuffled { lines.shuffle(using: &rng) }
        return lines.joined(separator: "\n") + "\n"
    }
}
