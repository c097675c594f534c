import Foundation
import GavelCore
import GavelJSON
import GavelModelMap

/// Judge prices and context windows by model, named as LiteLLM names them.
///
/// The bundled map is a snapshot of LiteLLM's own (`Scripts/update-model-map`: 3,000+ chat models
/// with input, output, batch and cache-read prices and `max_input_tokens`). `GAVEL_MODEL_MAP` and
/// `--prices FILE` add or replace entries, from LiteLLM's JSON format (the map a LiteLLM install
/// keeps) or Gavel's own `{"model": {"input": $, "output": $}}` per million tokens.
public struct ModelMap: Sendable {
    /// US dollars per million tokens.
    public struct Price: Sendable, Equatable {
        public var input: Double
        public var output: Double
        public init(input: Double, output: Double) {
            self.input = input
            self.output = output
        }

        /// Dollars for `usage` at this price.
        public func cost(_ usage: TokenUsage) -> Double { (Double(usage.prompt) * input + Double(usage.completion) * output) / 1_000_000 }
    }

    /// What the map knows of one model.
    public struct Entry: Sendable, Equatable {
        /// LiteLLM's provider name (`openai`, `together_ai`); empty in Gavel's own format.
        public var provider: String
        public var price: Price?
        /// Through the provider's batch API.
        public var batchPrice: Price?
        /// Dollars per million input tokens read from the provider's prompt cache.
        public var cacheRead: Double?
        /// The model's context window for input, in tokens.
        public var maxInputTokens: Int?

        public init(
            provider: String = "", price: Price? = nil, batchPrice: Price? = nil, cacheRead: Double? = nil, maxInputTokens: Int? = nil
        ) {
            self.provider = provider
            self.price = price
            self.batchPrice = batchPrice
            self.cacheRead = cacheRead
            self.maxInputTokens = maxInputTokens
        }
    }

    /// Entries given here (a file, `--prices`), ahead of the bundled snapshot.
    public var entries: [String: Entry]
    /// Whether names missing from `entries` are looked up in the bundled snapshot.
    public var includesBundled: Bool

    public init(entries: [String: Entry], includesBundled: Bool = false) {
        self.entries = entries
        self.includesBundled = includesBundled
    }

    /// LiteLLM's chat models, from the snapshot compiled into Gavel. Only the lines a run looks up
    /// are parsed (see `bundledIndex`).
    public static let bundled = ModelMap(entries: [:], includesBundled: true)

    /// The bundled snapshot's entry named exactly `name`.
    static func bundledEntry(_ name: String) -> Entry? {
        guard let range = bundledIndex[name] else { return nil }
        var table = BundledModelMap.table
        let line = table.withUTF8 { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
        return bundledEntry(line: line[...])
    }

    /// Where each model's line sits in the bundled table (byte offsets), built on first use: one
    /// pass over the bytes, no field parsed (parsing every line at each start cost ~35 ms).
    private static let bundledIndex: [String: Range<Int>] = {
        var table = BundledModelMap.table
        return table.withUTF8 { bytes in
            var index: [String: Range<Int>] = [:]
            index.reserveCapacity(BundledModelMap.count)
            var start = 0
            while start < bytes.count {
                let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
                if let tab = bytes[start..<end].firstIndex(of: 0x09) {
                    index[String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<tab]), as: UTF8.self)] = start..<end
                }
                start = end + 1
            }
            return index
        }
    }()

    /// One line of the bundled table: name, provider, input, output, batch input, batch output,
    /// cache read, max input tokens.
    static func bundledEntry(line: Substring) -> Entry? {
        let f = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard f.count == 8 else { return nil }
        func price(_ i: Int, _ o: Int) -> Price? { Double(f[i]).flatMap { i in Double(f[o]).map { Price(input: i, output: $0) } } }
        return Entry(
            provider: String(f[1]), price: price(2, 3), batchPrice: price(4, 5), cacheRead: Double(f[6]), maxInputTokens: Int(f[7]))
    }

    /// Every entry of the bundled snapshot (for tests and listings; a run looks names up one by one).
    static func allBundled() -> [String: Entry] {
        var entries: [String: Entry] = [:]
        for line in BundledModelMap.table.split(separator: "\n") {
            if let e = bundledEntry(line: line), let name = line.split(separator: "\t").first { entries[String(name)] = e }
        }
        return entries
    }

    /// The entry named exactly `name`: given here, else bundled.
    func named(_ name: String) -> Entry? { entries[name] ?? (includesBundled ? Self.bundledEntry(name) : nil) }

    /// The LiteLLM release the bundled map comes from.
    public static var bundledVersion: String { BundledModelMap.litellmVersion }

    /// LiteLLM's provider for each of Gavel's providers, where their names differ.
    static let litellmProviders = ["together": "together_ai", "fireworks": "fireworks_ai", "vllm": "hosted_vllm"]
    /// Providers that serve a model on the user's own machine: free unless the map says otherwise.
    static let localProviders: Set<String> = ["ollama", "vllm"]

    /// Reads a map in LiteLLM's format (`{"gpt-4.1-mini": {"input_cost_per_token": 4e-07, ...}}`) or
    /// Gavel's (`{"gpt-4.1-mini": {"input": 0.4, "output": 1.6}}`, dollars per million tokens,
    /// optionally `batch_input`, `batch_output`, `max_input_tokens`).
    public static func load(path: String) throws -> ModelMap {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigurationError("cannot read the price file \(path)") }
        let value: JSONValue
        do { value = try JSONParser.parse(data) } catch { throw ConfigurationError("\(path): \(error)") }
        guard let object = value.objectValue else {
            throw ConfigurationError("\(path): expected a JSON object of model → prices (LiteLLM's format, or {\"input\", \"output\"})")
        }
        let litellm = object.members.contains { m in
            m.value["litellm_provider"] != nil || m.value["input_cost_per_token"] != nil || m.value["output_cost_per_token"] != nil
        }
        var map = ModelMap(entries: [:])
        for m in object.members {
            if litellm {
                // LiteLLM's map holds image, audio and embedding models and a sample_spec too: take what a judge can be.
                guard m.key != "sample_spec", let entry = litellmEntry(m.value) else { continue }
                map.entries[m.key] = entry
                continue
            }
            guard let i = m.value["input"]?.doubleValue, let o = m.value["output"]?.doubleValue, i >= 0, o >= 0 else {
                throw ConfigurationError("\(path): \"\(m.key)\" needs numeric \"input\" and \"output\" prices per million tokens")
            }
            var entry = Entry(price: Price(input: i, output: o))
            if let bi = m.value["batch_input"]?.doubleValue, let bo = m.value["batch_output"]?.doubleValue {
                entry.batchPrice = Price(input: bi, output: bo)
            }
            entry.maxInputTokens = tokenCount(m.value["max_input_tokens"])
            map.entries[m.key] = entry
        }
        return map
    }

    /// One entry of LiteLLM's map (prices per token), or nil for a model that is not a chat model
    /// or says nothing Gavel uses.
    static func litellmEntry(_ v: JSONValue) -> Entry? {
        guard v.objectValue != nil else { return nil }
        if let mode = v["mode"]?.stringValue, !["chat", "completion", "responses"].contains(mode) { return nil }
        func perMillion(_ key: String) -> Double? { v[key]?.doubleValue.flatMap { $0 >= 0 ? $0 * 1_000_000 : nil } }
        func price(_ i: String, _ o: String) -> Price? { perMillion(i).flatMap { i in perMillion(o).map { Price(input: i, output: $0) } } }
        let entry = Entry(
            provider: v["litellm_provider"]?.stringValue ?? "",
            price: price("input_cost_per_token", "output_cost_per_token"),
            batchPrice: price("input_cost_per_token_batches", "output_cost_per_token_batches"),
            cacheRead: perMillion("cache_read_input_token_cost"),
            maxInputTokens: tokenCount(v["max_input_tokens"]))
        return entry.price == nil && entry.maxInputTokens == nil ? nil : entry
    }

    /// A positive token count, or nil for anything else (a string, zero, an absurd size).
    static func tokenCount(_ v: JSONValue?) -> Int? { v?.doubleValue.flatMap { $0 > 0 && $0 < 1e12 ? Int($0) : nil } }

    /// This map with `other`'s entries added or replacing.
    public func merging(_ other: ModelMap) -> ModelMap {
        ModelMap(entries: entries.merging(other.entries) { _, new in new }, includesBundled: includesBundled || other.includesBundled)
    }

    /// The map's entry for a judge, resolved as LiteLLM resolves names: the full name
    /// (`azure/gpt-4.1`, `openrouter/anthropic/claude-sonnet-4.5`), the name under LiteLLM's
    /// provider (`together_ai/...`), the bare model of the same provider (`gpt-4.1-mini` for
    /// openai, `claude-sonnet-4-5` for anthropic), then `provider/*`. A LiteLLM proxy's model is
    /// looked up as LiteLLM names it (`litellm/anthropic/claude-sonnet-4-5`).
    public func entry(for endpoint: JudgeEndpoint) -> Entry? { entry(provider: endpoint.provider, model: endpoint.model) }

    func entry(provider: String, model: String) -> Entry? {
        let litellm = Self.litellmProviders[provider] ?? provider
        if let e = named("\(provider)/\(model)") ?? (litellm == provider ? nil : named("\(litellm)/\(model)")) { return e }
        if let e = named(model), e.provider.isEmpty || e.provider == litellm || provider == "litellm" { return e }
        // A proxy's (or router's) model named with its own provider first: `litellm/anthropic/claude-sonnet-4-5`.
        if provider == "litellm", let slash = model.firstIndex(of: "/"),
            let e = entry(provider: String(model[..<slash]), model: String(model[model.index(after: slash)...]))
        {
            return e
        }
        return named("\(provider)/*")
    }

    /// The price of a judge's tokens (through the batch API with `batch`), if known; a local
    /// server's (ollama, vllm) is free unless the map prices it.
    public func price(for endpoint: JudgeEndpoint, batch: Bool = false) -> Price? {
        let e = entry(for: endpoint)
        if batch, let p = e?.batchPrice { return p }
        if let p = e?.price { return batch ? nil : p }
        return Self.localProviders.contains(endpoint.provider) ? Price(input: 0, output: 0) : nil
    }

    /// Dollars for the given usage, or nil without a price.
    public func cost(_ usage: TokenUsage, for endpoint: JudgeEndpoint, batch: Bool = false) -> Double? {
        price(for: endpoint, batch: batch)?.cost(usage)
    }

    /// The judge's context window for input, in tokens, if the map knows it.
    public func contextWindow(for endpoint: JudgeEndpoint) -> Int? { entry(for: endpoint)?.maxInputTokens }
}
