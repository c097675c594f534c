import Foundation
import GavelHTTP
import GavelSupport
import Synchronization

/// What the simulator does with one request: answer, answer slowly, drop the connection, or never answer.
struct SimulatedAnswer {
    enum Delivery { case normal, slow, drop, hang }
    var status: Int
    var headers: [(String, String)] = [("content-type", "application/json")]
    var body: String
    var delivery: Delivery = .normal
}

/// The simulator's judging logic, apart from the network: parses a chat request, finds the
/// `<trajectory id="...">` blocks, scores them deterministically and injects faults by rate.
final class SimulatedJudge: Sendable {
    let configuration: SimulatorConfiguration
    let stats: SimulatorStats
    private let rng: Mutex<SplitMix64>
    /// The `limitRPM` bucket: requests available and when it was last refilled.
    private let bucket: Mutex<(tokens: Double, at: ContinuousClock.Instant)>

    init(configuration: SimulatorConfiguration, stats: SimulatorStats) {
        self.configuration = configuration
        self.stats = stats
        self.rng = Mutex(SplitMix64(seed: configuration.seed))
        self.bucket = Mutex((max(1, Double(configuration.limitRPM ?? 0) / 60), ContinuousClock.now))
    }

    /// A uniform draw in [0, 1) from the seeded SplitMix64 generator.
    private func draw() -> Double {
        rng.withLock { $0.nextUnit() }
    }

    enum API { case openAI, anthropic }

    /// The origin of `SimulatorStats.Snapshot.arrivals`.
    static let epoch = ContinuousClock.now

    /// Answers one judge request, within the `limitRPM` budget (429 above it), with rate-limit headers.
    func answer(api: API, headers: [(String, String)], body: [UInt8]) -> SimulatedAnswer {
        guard let rpm = configuration.limitRPM.map(Double.init), rpm > 0 else {
            return unlimitedAnswer(api: api, headers: headers, body: body)
        }
        let rate = rpm / 60, capacity = max(1, rate)
        let (admitted, left) = bucket.withLock { b -> (Bool, Double) in
            let now = ContinuousClock.now
            b.tokens = min(capacity, b.tokens + (now - b.at).simulatorSeconds * rate)
            b.at = now
            guard b.tokens >= 1 else { return (false, b.tokens) }
            b.tokens -= 1
            return (true, b.tokens)
        }
        var limitHeaders: [(String, String)] = []
        if !configuration.hideLimitHeaders {
            limitHeaders = [
                ("x-ratelimit-limit-requests", String(Int(rpm))), ("x-ratelimit-remaining-requests", String(Int(max(0, left)))),
                ("x-ratelimit-reset-requests", "\(Int(((capacity - left) / rate * 1000).rounded(.up)))ms"),
            ]
        }
        guard admitted else {
            stats.update {
                $0.requests += 1
                $0.faults["rate_limited", default: 0] += 1
            }
            let wait = (1 - left) / rate
            return SimulatedAnswer(
                status: 429,
                headers: [
                    ("content-type", "application/json"), ("retry-after", String(Int(wait.rounded(.up)))),
                    ("retry-after-ms", String(Int((wait * 1000).rounded(.up)))),
                ] + limitHeaders,
                body: #"{"error":{"message":"Rate limit reached for requests","type":"requests","code":"rate_limit_exceeded"}}"#)
        }
        var answer = unlimitedAnswer(api: api, headers: headers, body: body)
        answer.headers += limitHeaders
        return answer
    }

    private func unlimitedAnswer(api: API, headers: [(String, String)], body: [UInt8]) -> SimulatedAnswer {
        let arrival = ContinuousClock.now - Self.epoch
        var ordinal = 0
        stats.update {
            $0.requests += 1
            ordinal = $0.requests
            if $0.arrivals.count < SimulatorStats.arrivalsKept {
                $0.arrivals.append(Double(arrival.components.seconds) + Double(arrival.components.attoseconds) / 1e18)
            }
            if api == .openAI { $0.openAIRequests += 1 } else { $0.anthropicRequests += 1 }
        }
        if ordinal <= configuration.hangFirst || ordinal > configuration.hangAfter ?? .max {
            stats.update { $0.faults["hang", default: 0] += 1 }
            return SimulatedAnswer(status: 0, body: "", delivery: .hang)
        }
        if let key = configuration.requiredKey {
            let auth = headers.first { $0.0.lowercased() == "authorization" }?.1
            let xkey = headers.first { $0.0.lowercased() == "x-api-key" }?.1
            if auth != "Bearer \(key)" && xkey != key {
                stats.update { $0.faults["unauthorized", default: 0] += 1 }
                return SimulatedAnswer(
                    status: 401,
                    body: #"{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","code":"invalid_api_key"}}"#)
            }
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            return SimulatedAnswer(status: 400, body: #"{"error":{"message":"request body is not a JSON object"}}"#)
        }
        stats.remember(body: String(decoding: body, as: UTF8.self))
        if let context = configuration.contextTokens, body.count / 4 > context {
            // llama.cpp's answer to a prompt longer than its context.
            stats.update { $0.faults["context_exceeded", default: 0] += 1 }
            return SimulatedAnswer(
                status: 400,
                body: #"{"error":{"code":400,"message":"the request exceeds the available context size, try increasing it","#
                    + #""type":"exceed_context_size_error","n_prompt_tokens":\#(body.count / 4),"n_ctx":\#(context)}}"#)
        }
        if let refused = configuration.rejectParameters.first(where: { object[$0] != nil }) {
            stats.update { $0.faults["unsupported_parameter", default: 0] += 1 }
            let hint = refused == "max_tokens" ? " Use 'max_completion_tokens' instead." : ""
            return SimulatedAnswer(
                status: 400,
                body:
                    #"{"error":{"message":"Unsupported parameter: '\#(refused)' is not supported with this model.\#(hint)","#
                    + #""type":"invalid_request_error","param":"\#(refused)","code":"unsupported_parameter"}}"#
            )
        }
        let model = object["model"] as? String ?? "sim"
        let responseFormat = (object["response_format"] as? [String: Any])?["type"] as? String
        if configuration.rejectJSONSchema, responseFormat == "json_schema" {
            stats.update { $0.faults["schema_rejected", default: 0] += 1 }
            return SimulatedAnswer(
                status: 500, body: #"{"error":{"message":"response_format type json_schema is not supported by this server"}}"#)
        }

        // Faults, by cumulative rate.
        let c = configuration
        var roll = draw()
        func hit(_ rate: Double) -> Bool {
            if roll < rate { return true }
            roll -= rate
            return false
        }
        if ordinal <= c.failFirst || hit(c.fail429) {
            stats.update { $0.faults["429", default: 0] += 1 }
            return SimulatedAnswer(
                status: 429, headers: [("content-type", "application/json"), ("retry-after", String(c.retryAfterSeconds))],
                body: #"{"error":{"message":"Rate limit reached, retry later","type":"rate_limit"}}"#)
        }
        if hit(c.fail500) {
            stats.update { $0.faults["500", default: 0] += 1 }
            return SimulatedAnswer(status: 500, body: #"{"error":{"message":"internal server error"}}"#)
        }
        if hit(c.dropConnection) {
            stats.update { $0.faults["drop", default: 0] += 1 }
            return SimulatedAnswer(status: 0, body: "", delivery: .drop)
        }
        let malformed = hit(c.malformed)
        let wrongIds = !malformed && hit(c.wrongIds)
        let outOfRange = !malformed && !wrongIds && hit(c.outOfRange)
        let slow = hit(c.slowBody)

        let text = Self.promptText(object, api: api)
        let ids = Self.trajectoryBlocks(in: text)
        var scores = ids.map { (id: $0.id, score: Self.score(block: $0.block)) }
        if c.positionBias != 0 || c.noise > 0 {
            Self.distort(&scores, positionBias: c.positionBias, noise: c.noise, seed: c.seed, text: text)
        }

        var content: String
        var quirk: String?
        var logprobs: String?
        // A request for digit grades (Gavel's `--grade logprobs` prompt).
        let gradeLines = text.contains("the grade as one digit")
        if malformed {
            stats.update { $0.faults["malformed", default: 0] += 1 }
            content =
                draw() < 0.5
                ? "I would rank the trajectories as follows: the first is best."
                : #"{"scores": [{"trajectory_id": "1", "explanation": "cut off"#
        } else {
            if wrongIds {
                stats.update { $0.faults["wrong_ids", default: 0] += 1 }
                let r = draw()
                if scores.count > 1 && r < 0.34 {
                    scores.removeLast()
                } else if r < 0.67, let first = scores.first {
                    scores.append(first)
                } else {
                    scores.append((id: String(scores.count + 7), score: 0.5))
                }
            }
            if outOfRange, !scores.isEmpty {
                stats.update { $0.faults["out_of_range", default: 0] += 1 }
                scores[0].score = -0.5
            }
            var scale = 1.0
            var asFraction = false
            if draw() < c.quirks {
                switch Int(draw() * 4) {
                case 0: quirk = "fenced"
                case 1: quirk = "prose"
                case 2 where Self.unambiguousOutOfTen(scores.map(\.score)):
                    // Only where a reader can tell the scale: some score above 1, none a fraction below 1.
                    quirk = "scale10"; scale = 10
                case 2: quirk = "fenced"
                default: quirk = "fraction_string"; asFraction = true
                }
            }
            content = Self.scoresJSON(
                scores, scale: scale, asFraction: asFraction,
                // Gavel's scores-only and brief formats ask for items without an explanation.
                explained: !text.contains(#""trajectory_id": "<id>", "score""#), summary: text.contains(#"{"summary": "#))
            if gradeLines {
                // Digit grades, one line per id (in the prompt's order), with logprobs when asked.
                (content, logprobs) = Self.gradeAnswer(
                    scores, sharpness: c.logprobSharpness, withLogprobs: c.logprobs && object["logprobs"] as? Bool == true)
                quirk = nil
            }
            if !gradeLines, quirk == "fenced" || (quirk == nil && responseFormat == nil && api == .openAI) {
                content = "```json\n\(content)\n```"
            }
            if quirk == "prose" {
                content = "Here is my assessment of the trajectories.\n\(content)\nLet me know if you need anything else."
            }
            if draw() < c.think {
                // Reasoning first, with a draft that names every id but scores them all wrong.
                let draft = Self.scoresJSON(scores.map { (id: $0.id, score: 1 - $0.score) }, scale: 1, asFraction: false)
                let opening = draw() < 0.5 ? "<think>\n" : ""
                content =
                    opening + "Let me compare them. A first attempt: \(draft) is a draft; on reflection the order differs.\n</think>\n\n"
                    + content
                quirk = quirk.map { $0 + "+think" } ?? "think"
            }
            if let quirk { stats.update { $0.quirks[quirk, default: 0] += 1 } }
            if !wrongIds && !outOfRange { stats.update { $0.scored += 1 } }
        }
        if slow { stats.update { $0.faults["slow_body", default: 0] += 1 } }

        var finish = "stop"
        if let cap = (object["max_tokens"] as? Int) ?? (object["max_completion_tokens"] as? Int), Self.tokenCount(content) > cap {
            // Cut off at the cap, as a real server does.
            stats.update { $0.faults["truncated", default: 0] += 1 }
            while !content.isEmpty, Self.tokenCount(content) > cap { content.removeLast(min(content.count, 4)) }
            finish = "length"
            logprobs = nil
        }
        let promptTokens = Self.tokenCount(text)
        let completionTokens = Self.tokenCount(content)
        stats.update {
            $0.promptTokens += promptTokens
            $0.completionTokens += completionTokens
        }
        let forcedTool = Self.forcedToolName(object)
        let body: String
        switch api {
        case .openAI:
            body = """
                {"id":"chatcmpl-sim","object":"chat.completion","created":0,"model":\(Self.quote(model)),\
                "choices":[{"index":0,"message":{"role":"assistant","content":\(Self.quote(content))},\
                \(logprobs.map { #""logprobs":{"content":\#($0)},"# } ?? "")"finish_reason":"\(finish)"}],\
                "usage":{"prompt_tokens":\(promptTokens),"completion_tokens":\(completionTokens),\
                "total_tokens":\(promptTokens + completionTokens)}}
                """
        case .anthropic:
            let block: String
            if let tool = forcedTool, !malformed, quirk == nil {
                block = #"{"type":"tool_use","id":"toolu_sim","name":\#(Self.quote(tool)),"input":\#(content)}"#
            } else {
                block = #"{"type":"text","text":\#(Self.quote(content))}"#
            }
            body = """
                {"id":"msg_sim","type":"message","role":"assistant","model":\(Self.quote(model)),"content":[\(block)],\
                "stop_reason":"\(finish == "length" ? "max_tokens" : forcedTool == nil ? "end_turn" : "tool_use")",\
                "usage":{"input_tokens":\(promptTokens),"output_tokens":\(completionTokens)}}
                """
        }
        return SimulatedAnswer(status: 200, body: body, delivery: slow ? .slow : .normal)
    }

    /// The name of the tool an Anthropic request forces, if any.
    static func forcedToolName(_ object: [String: Any]) -> String? {
        guard let choice = object["tool_choice"] as? [String: Any], choice["type"] as? String == "tool" else { return nil }
        return choice["name"] as? String
    }

    /// All text of the request's system prompt and messages, joined.
    static func promptText(_ object: [String: Any], api: API) -> String {
        var parts: [String] = []
        func collect(_ content: Any?) {
            if let s = content as? String { parts.append(s) }
            if let blocks = content as? [[String: Any]] {
                for b in blocks { if let t = b["text"] as? String { parts.append(t) } }
            }
        }
        collect(object["system"])
        for message in object["messages"] as? [[String: Any]] ?? [] {
            // Judge only what the user sent: a corrective turn repeats the first user message's blocks.
            if message["role"] as? String == "assistant" { continue }
            collect(message["content"])
        }
        return parts.joined(separator: "\n")
    }

    /// The `<trajectory id="...">` blocks of a prompt, in order, first occurrence of each id
    /// (searched over UTF-8 bytes: Foundation's string search is far slower on long prompts).
    static func trajectoryBlocks(in text: String) -> [(id: String, block: Substring)] {
        let bytes = Array(text.utf8)
        let open = Array("<trajectory id=\"".utf8), close = Array("</trajectory>".utf8)
        var result: [(id: String, block: Substring)] = []
        var seen = Set<String>()
        var i = 0
        while let o = find(open, in: bytes, from: i) {
            let idStart = o + open.count
            guard let q = bytes[idStart...].firstIndex(of: UInt8(ascii: "\"")) else { break }
            let id = String(decoding: bytes[idStart..<q], as: UTF8.self)
            let bodyStart = q + 1
            let c = find(close, in: bytes, from: bodyStart) ?? bytes.count
            if seen.insert(id).inserted { result.append((id, Substring(String(decoding: bytes[bodyStart..<c], as: UTF8.self)))) }
            i = min(bytes.count, c + close.count)
        }
        return result
    }

    /// The first index of `needle` in `haystack` at or after `from`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, needle.count <= haystack.count else { return nil }
        var i = from
        while i + needle.count <= haystack.count {
            guard let f = haystack[i...].firstIndex(of: first) else { return nil }
            if f + needle.count > haystack.count { return nil }
            if haystack[f..<(f + needle.count)].elementsEqual(needle) { return f }
            i = f + 1
        }
        return nil
    }

    /// A biased, noisy judge: adds `positionBias × slot / (n − 1)` and N(0, noise²) to each score,
    /// clamped to 0–1. The noise is seeded by the prompt text and `seed`, so a request always gets
    /// the same answer and another seed gives another judge.
    static func distort(_ scores: inout [(id: String, score: Double)], positionBias: Double, noise: Double, seed: UInt64, text: String) {
        var rng = SplitMix64(seed: FNV1a.hash(text) ^ seed)
        let n = scores.count
        for i in scores.indices {
            var s = scores[i].score
            if n > 1 { s += positionBias * Double(i) / Double(n - 1) }
            if noise > 0 {
                // Box–Muller: two uniform draws, one standard normal.
                let u1 = max(rng.nextUnit(), 1e-12), u2 = rng.nextUnit()
                s += noise * (-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            }
            scores[i].score = min(1, max(0, (s * 1000).rounded() / 1000))
        }
    }

    /// The deterministic score of a block: its last `QUALITY=<x>` marker, else a hash in [0, 1).
    static func score(block: Substring) -> Double {
        let bytes = Array(block.utf8)
        let marker = Array("QUALITY=".utf8)
        var last: Int?
        var i = 0
        while let f = find(marker, in: bytes, from: i) {
            last = f
            i = f + 1
        }
        if let m = last {
            let digits = bytes[(m + marker.count)...].prefix { ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }
            if let v = Double(String(decoding: digits, as: UTF8.self)) { return min(1, max(0, v)) }
        }
        return Double(FNV1a.hash(String(block)) % 1000) / 1000
    }

    /// Whether these 0–1 scores, written on a 0–10 scale, read unambiguously as 0–10.
    static func unambiguousOutOfTen(_ scores: [Double]) -> Bool {
        let scaled = scores.map { (Double(format($0 * 10)) ?? 0) }
        return scaled.contains { $0 > 1 } && !scaled.contains { $0 > 0 && $0 < 1 }
    }

    /// A digit-grade answer (`id: grade` lines) and, if asked, its logprobs content as a JSON list:
    /// tokens split as Qwen's tokenizer splits them (id, ":", " ", digit, newline), the digit's
    /// alternatives every digit with probability ∝ exp(−sharpness·(d − 9·score)²).
    static func gradeAnswer(_ scores: [(id: String, score: Double)], sharpness: Double, withLogprobs: Bool) -> (String, String?) {
        var text = ""
        var tokens: [String] = []
        func token(_ t: String, _ alternatives: [(String, Double)]? = nil) {
            text += t
            let alts = (alternatives ?? [(t, 0)]).map { #"{"token":\#(quote($0.0)),"logprob":\#(format($0.1))}"# }
            let lp = alternatives?.first(where: { $0.0 == t })?.1 ?? 0
            tokens.append(#"{"token":\#(quote(t)),"logprob":\#(format(lp)),"top_logprobs":[\#(alts.joined(separator: ","))]}"#)
        }
        for (i, s) in scores.enumerated() {
            let target = 9 * min(1, max(0, s.score))
            let weights = (0...9).map { exp(-sharpness * (Double($0) - target) * (Double($0) - target)) }
            let total = weights.reduce(0, +)
            let ranked = (0...9).map { (String($0), Foundation.log(max(weights[$0] / total, 1e-300))) }.sorted { $0.1 > $1.1 }
            if i > 0 { token("\n") }
            token(s.id)
            token(":")
            token(" ")
            token(ranked[0].0, ranked)
        }
        return (text, withLogprobs ? "[" + tokens.joined(separator: ",") + "]" : nil)
    }

    static func scoresJSON(
        _ scores: [(id: String, score: Double)], scale: Double, asFraction: Bool, explained: Bool = true, summary: Bool = false
    ) -> String {
        let items = scores.map { s -> String in
            let value: String
            if asFraction {
                value = quote("\(format(s.score * 10))/10")
            } else {
                value = format(s.score * scale)
            }
            let explanation = explained ? #""explanation":\#(quote("Simulated judgement of trajectory \(s.id).")),"# : ""
            return #"{"trajectory_id":\#(quote(s.id)),\#(explanation)"score":\#(value)}"#
        }
        let opening = summary ? #""summary":"Simulated summary of the group.","# : ""
        return #"{\#(opening)"scores":[\#(items.joined(separator: ","))]}"#
    }

    /// Shortest round-trip text of a number, as Swift prints it, without a trailing ".0".
    static func format(_ d: Double) -> String {
        var s = "\(d)"
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }

    /// A JSON string literal.
    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    /// A tokenizer stand-in shaped like BPE on JSON: each run of letters and digits costs one
    /// token per four characters (one at least), each run of punctuation one per three characters
    /// (`":"` and `","` are single tokens), and each space or newline after the first of a run one.
    static func tokenCount(_ text: String) -> Int {
        var tokens = 0, word = 0, punct = 0, space = 0
        var text = text
        text.withUTF8 { bytes in
            for b in bytes {
                switch b {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    0x80...0xFF:
                    if punct > 0 || space > 0 {
                        tokens += (punct + 2) / 3 + max(0, space - 1)
                        punct = 0; space = 0
                    }
                    word += 1
                case 0x20, 0x0A, 0x09:
                    if word > 0 || punct > 0 {
                        tokens += (word + 3) / 4 + (punct + 2) / 3
                        word = 0; punct = 0
                    }
                    space += 1
                default:
                    if word > 0 || space > 0 {
                        tokens += (word + 3) / 4 + max(0, space - 1)
                        word = 0; space = 0
                    }
                    punct += 1
                }
            }
        }
        return tokens + (word + 3) / 4 + (punct + 2) / 3 + max(0, space - 1)
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var simulatorSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
