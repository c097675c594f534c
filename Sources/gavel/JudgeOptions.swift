import ArgumentParser
import Foundation
import Gavel
import GavelCore
import GavelJudge

extension ResponseFormatMode: ExpressibleByArgument {}
extension PanelJudge.Combination: ExpressibleByArgument {}
extension JudgeMode.Answer: ExpressibleByArgument {}
extension JudgeMode.Grade: ExpressibleByArgument {}
extension CompareMode: ExpressibleByArgument {}

/// Flags that choose and tune the judge, shared by every command that calls one.
struct JudgeOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Judge model as PROVIDER/MODEL (openai, anthropic, azure, openrouter, together, groq, deepseek, fireworks, ollama, vllm, "
                + "litellm), optionally @BASE_URL; repeat it for a panel of judges; default: the rubric's judge or panel, else "
                + "\(RankConfiguration.defaultJudge).",
            valueName: "PROVIDER/MODEL"))
    var judge: [String] = []

    @Option(help: ArgumentHelp("A panel of judges, comma-separated (the same as repeating --judge).", valueName: "A,B,..."))
    var panel: String?

    @Option(help: ArgumentHelp("How a panel's scores are combined: mean, median or borda.", valueName: "MODE"))
    var panelCombine: PanelJudge.Combination = .mean

    @Option(help: ArgumentHelp("The panel member whose explanations are written (default: the first).", valueName: "PROVIDER/MODEL"))
    var explainWith: String?

    @Option(help: ArgumentHelp("Base URL of the judge API, overriding the provider's (e.g. http://127.0.0.1:8787/v1).", valueName: "URL"))
    var apiBase: String?

    @Option(help: ArgumentHelp("Read the API key from this environment variable instead of the provider's usual one.", valueName: "NAME"))
    var apiKeyEnv: String?

    @Option(
        help: ArgumentHelp(
            "Structured output to ask for first: json_schema, json_object or text (Gavel steps down by itself when a server rejects one).",
            valueName: "MODE"))
    var responseFormat: ResponseFormatMode = .jsonSchema

    @Option(
        help: ArgumentHelp(
            "What the judge writes: explained (a sentence per trajectory), brief (one sentence for the group) or scores "
                + "(scores only; fewest output tokens). Default: the rubric's answer, else scores "
                + "(explained for Anthropic judges).",
            valueName: "FORMAT"))
    var answer: JudgeMode.Answer?

    @Option(
        help: ArgumentHelp(
            "How a score is read: number (0-1 as written) or logprobs (a digit 0-9 per trajectory, weighted by the token "
                + "probabilities the server returns; continuous scores, few ties). Default: the rubric's grade, else logprobs "
                + "(number for Anthropic judges, which return no logprobs).",
            valueName: "MODE"))
    var grade: JudgeMode.Grade?

    @Option(
        help: ArgumentHelp(
            "listwise (the whole group in one prompt) or pairwise (a tournament of pairs, each shown in both orders, fused by "
                + "Bradley–Terry; more calls, fewer tokens each). Default: the rubric's, else listwise.",
            valueName: "MODE"))
    var compare: CompareMode?

    @Option(help: "Sampling temperature of the judge.")
    var temperature: Double?

    @Option(help: "Most tokens the judge may answer with.")
    var maxTokens: Int?

    @Option(help: ArgumentHelp("Reasoning effort for reasoning models (e.g. low, medium, high).", valueName: "LEVEL"))
    var reasoningEffort: String?

    @Option(
        name: .customLong("judge-param"),
        help: ArgumentHelp("Extra request field passed through as KEY=JSON (repeatable), e.g. top_p=0.9.", valueName: "KEY=VALUE"))
    var judgeParams: [String] = []

    @Option(help: "Retries per group for 429, 408, 5xx, timeouts and dropped connections.")
    var maxRetries = 6

    @Option(help: ArgumentHelp("Time limit of one judge call, in seconds.", valueName: "SECONDS"))
    var timeout = 180.0

    @Option(
        help: ArgumentHelp(
            "Trust the CAs in this PEM bundle for https judges instead of the system's (a self-hosted judge, a proxy that re-signs "
                + "traffic); default: SSL_CERT_FILE, SSL_CERT_DIR, CURL_CA_BUNDLE or REQUESTS_CA_BUNDLE when set.",
            valueName: "PATH"))
    var caCert: String?

    @Option(help: ArgumentHelp("Client certificate (PEM) for judges that require mutual TLS.", valueName: "PATH"))
    var clientCert: String?

    @Option(help: ArgumentHelp("Private key (PEM) of --client-cert, if not in the same file.", valueName: "PATH"))
    var clientKey: String?

    @Option(help: ArgumentHelp("Judge requests per minute at most.", valueName: "N"))
    var rpm: Int?

    @Option(help: ArgumentHelp("Judge tokens per minute at most (estimated before each call, corrected from usage).", valueName: "N"))
    var tpm: Int?

    func validate() throws {
        if maxRetries < 0 { throw ValidationError("--max-retries must be 0 or more") }
        if panel != nil, !judge.isEmpty { throw ValidationError("use either --panel or --judge, not both") }
        if let p = panel, p.split(separator: ",").count < 2 { throw ValidationError("--panel needs two or more judges, comma-separated") }
        if explainWith != nil, judge.count < 2, panel == nil { throw ValidationError("--explain-with names a member of a panel") }
        if !(timeout > 0) { throw ValidationError("--timeout must be positive") }
        for (flag, path) in [("--ca-cert", caCert), ("--client-cert", clientCert), ("--client-key", clientKey)] {
            if let path, !FileManager.default.isReadableFile(atPath: path) { throw ValidationError("\(flag): cannot read \(path)") }
        }
        if clientKey != nil, clientCert == nil { throw ValidationError("--client-key needs --client-cert") }
        if let r = rpm, r < 1 { throw ValidationError("--rpm must be at least 1") }
        if let t = tpm, t < 1 { throw ValidationError("--tpm must be at least 1") }
        if let t = temperature, !(0...2).contains(t) { throw ValidationError("--temperature must be between 0 and 2") }
        if let bad = judgeParams.first(where: { JudgeSettings.parameter($0) == nil }) {
            throw ValidationError("--judge-param must be KEY=VALUE, got \"\(bad)\"")
        }
    }

    /// Puts the judge flags into a run's configuration.
    func apply(to c: inout RankConfiguration) {
        let members = judge + (panel?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? [])
        c.judge = members.count == 1 ? members[0] : nil
        c.panel = members.count > 1 ? members : []
        c.panelCombination = panelCombine
        c.explainWith = explainWith
        c.apiBase = apiBase
        c.apiKeyEnv = apiKeyEnv
        c.responseFormat = responseFormat
        c.answer = answer
        c.grade = grade
        c.compare = compare
        c.judgeSettings = JudgeSettings(
            temperature: temperature, maxTokens: maxTokens, reasoningEffort: reasoningEffort,
            extraParameters: judgeParams.compactMap(JudgeSettings.parameter), timeout: .milliseconds(Int(timeout * 1000)),
            maxRetries: maxRetries)
        c.caFile = caCert
        c.clientCertificate = clientCert
        c.clientKey = clientKey
        c.requestsPerMinute = rpm
        c.tokensPerMinute = tpm
    }
}
