import ArgumentParser

/// Where judge prices and context windows come from besides LiteLLM's bundled map.
struct PriceOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Judge prices and context windows added to LiteLLM's bundled model map (and GAVEL_MODEL_MAP): LiteLLM's JSON format, or "
                + "{\"model\": {\"input\": $, \"output\": $}} per million tokens (optional batch_input, batch_output, max_input_tokens).",
            valueName: "FILE"))
    var prices: String?
}
