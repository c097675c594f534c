import Foundation
import GavelJSON

/// Judge prices in US dollars per million tokens, by `provider/model` or bare model name.
///
/// The bundled table holds list prices of common judge models as published when it was written;
/// `--prices FILE` (the same JSON shape) adds or overrides entries.
public struct PriceTable: Sendable {
    public struct Price: Sendable, Equatable {
        public var input: Double
        public var output: Double
    }

    public var prices: [String: Price]

    /// The bundled list prices.
    public static let bundled = PriceTable(prices: [
        "gpt-4o-mini": Price(input: 0.15, output: 0.60),
        "gpt-4o": Price(input: 2.50, output: 10.00),
        "gpt-4.1": Price(input: 2.00, output: 8.00),
        "gpt-4.1-mini": Price(input: 0.40, output: 1.60),
        "gpt-4.1-nano": Price(input: 0.10, output: 0.40),
        "gpt-5": Price(input: 1.25, output: 10.00),
        "gpt-5-mini": Price(input: 0.25, output: 2.00),
        "gpt-5-nano": Price(input: 0.05, output: 0.40),
        "o3": Price(input: 2.00, output: 8.00),
        "o4-mini": Price(input: 1.10, output: 4.40),
        "claude-sonnet-4-5": Price(input: 3.00, output: 15.00),
        "claude-haiku-4-5": Price(input: 1.00, output: 5.00),
        "claude-opus-4-1": Price(input: 15.00, output: 75.00),
        "deepseek-chat": Price(input: 0.27, output: 1.10),
        "ollama/*": Price(input: 0, output: 0),
        "vllm/*": Price(input: 0, output: 0),
    ])

    /// Reads `{"model": {"input": dollars, "output": dollars}, ...}` (per million tokens).
    public static func load(path: String) throws -> PriceTable {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigurationError("cannot read the price file \(path)") }
        let value: JSONValue
        do { value = try JSONParser.parse(data) } catch { throw ConfigurationError("\(path): \(error)") }
        guard let object = value.objectValue else { throw ConfigurationError("\(path): expected a JSON object of model → {input, output}") }
        var table = PriceTable(prices: [:])
        for m in object.members {
            guard let i = m.value["input"]?.doubleValue, let o = m.value["output"]?.doubleValue, i >= 0, o >= 0 else {
                throw ConfigurationError("\(path): \"\(m.key)\" needs numeric \"input\" and \"output\" prices per million tokens")
            }
            table.prices[m.key] = Price(input: i, output: o)
        }
        return table
    }

    /// This table with `other`'s entries added or replacing.
    public func merging(_ other: PriceTable) -> PriceTable {
        PriceTable(prices: prices.merging(other.prices) { _, new in new })
    }

    /// The price of a judge: by full name, then bare model, then `provider/*`.
    public func price(for endpoint: JudgeEndpoint) -> Price? {
        prices[endpoint.name] ?? prices[endpoint.model] ?? prices["\(endpoint.provider)/*"]
    }

    /// Dollars for the given usage, or nil without a price.
    public func cost(_ usage: TokenUsage, for endpoint: JudgeEndpoint) -> Double? {
        guard let p = price(for: endpoint) else { return nil }
        return (Double(usage.prompt) * p.input + Double(usage.completion) * p.output) / 1_000_000
    }
}
