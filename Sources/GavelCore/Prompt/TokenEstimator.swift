/// A quick, tokenizer-free estimate of how many tokens a text costs.
///
/// BPE tokenizers spend about one token per four characters of words and merge runs of JSON
/// punctuation (`":"`, `"},{"`) into one or two tokens, so Gavel counts runs of letters in fours
/// and runs of punctuation in twos; white space is free. Digits count one each: Qwen, Llama 2,
/// Mistral and Gemma split numbers into single digits (counted in fours, digit-heavy logs came out
/// 27% under what Qwen's server counted — an overflow for a prompt sized to a small context;
/// OpenAI's and Llama 3's tokenizers group up to three, so there the estimate errs high). Good to
/// within a few tens of percent (`Benchmarks/run tokens`), which is what a cost estimate and a
/// context budget with room for the answer need.
public enum TokenEstimator {
    public static func estimate(_ text: String) -> Int {
        var tokens = 0
        var word = 0, punct = 0
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                tokens += (punct + 1) / 2 + (word + 3) / 4 + 1
                punct = 0
                word = 0
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), 0x80...0xFF:
                tokens += (punct + 1) / 2
                punct = 0
                word += 1
            case 0x20, 0x0A, 0x0D, 0x09:
                tokens += (word + 3) / 4 + (punct + 1) / 2
                word = 0
                punct = 0
            default:
                tokens += (word + 3) / 4
                word = 0
                punct += 1
            }
        }
        return tokens + (word + 3) / 4 + (punct + 1) / 2
    }

    /// The estimated tokens of one call: the prompt as rendered, and the answer its mode expects.
    public static func estimate(_ prompt: JudgePrompt) -> TokenUsage {
        TokenUsage(
            prompt: estimate(prompt.system) + estimate(prompt.user), completion: answerEstimate(ids: prompt.ids.count, mode: prompt.mode))
    }

    /// Expected answer tokens for a prompt with `ids` trajectories in `mode`.
    public static func answerEstimate(ids: Int, mode: JudgeMode = .explained) -> Int { mode.expectedAnswerTokens(ids: ids) }
}
