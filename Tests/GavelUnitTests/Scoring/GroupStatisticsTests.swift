import GavelTesting
import Testing

@testable import GavelScoring

@Suite("Ranks and advantages")
struct GroupStatisticsTests {
    @Test("ties share the better rank")
    func ranks() {
        #expect(GroupStatistics(scores: [0.5, 0.9, 0.5, 0.1], mode: .none).ranks == [2, 1, 2, 4])
        #expect(GroupStatistics(scores: [0.3, 0.3], mode: .none).ranks == [1, 1])
    }

    @Test("GRPO advantage is (r - mean) / (population std + 1e-6)")
    func grpo() {
        let s = GroupStatistics(scores: [0, 1], mode: .grpo)
        // mean 0.5, population std 0.5
        #expect(abs(s.advantages[0] - (-0.5 / 0.500001)) < 1e-12)
        #expect(abs(s.advantages[1] - (0.5 / 0.500001)) < 1e-12)
        #expect(!s.zeroVariance)
    }

    @Test("mean-centred and leave-one-out advantages")
    func others() {
        #expect(GroupStatistics(scores: [0.2, 0.4, 0.9], mode: .mean).advantages.map { ($0 * 1e9).rounded() / 1e9 } == [-0.3, -0.1, 0.4])
        #expect(
            GroupStatistics(scores: [0.2, 0.4, 0.9], mode: .rloo).advantages.map { ($0 * 1e9).rounded() / 1e9 } == [-0.45, -0.15, 0.6])
    }

    @Test("zero-variance groups are flagged and get zero advantages")
    func zeroVariance() {
        let s = GroupStatistics(scores: [0.7, 0.7, 0.7], mode: .grpo)
        #expect(s.zeroVariance)
        #expect(s.advantages == [0, 0, 0])
        #expect(s.ranks == [1, 1, 1])
    }
}
