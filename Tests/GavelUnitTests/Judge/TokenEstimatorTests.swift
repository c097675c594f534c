import Testing

@testable import GavelCore

@Suite("Token estimate: words in fours, punctuation in twos, digits one each, white space free")
struct TokenEstimatorTests {
    @Test("the counting rules, each on its own")
    func rules() {
        #expect(TokenEstimator.estimate("") == 0)
        #expect(TokenEstimator.estimate("word") == 1 && TokenEstimator.estimate("words") == 2)
        #expect(TokenEstimator.estimate("a b   c\n\td") == 4, "white space separates, costs nothing")
        #expect(TokenEstimator.estimate("\":\"") == 2 && TokenEstimator.estimate("},{") == 2)
        // Digits: one each, also inside a word (Qwen's tokenizer splits them).
        #expect(TokenEstimator.estimate("2026") == 4)
        #expect(TokenEstimator.estimate("pid=4013") == 1 + 1 + 4)
        #expect(TokenEstimator.estimate("alpha123") == 2 + 3)
        #expect(TokenEstimator.estimate("naïve") == 2, "UTF-8 bytes count as letters")
    }
}
