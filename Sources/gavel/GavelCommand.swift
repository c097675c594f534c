import ArgumentParser
import Gavel

/// The `gavel` command: RULER-style relative rewards for groups of agent trajectories.
@main
struct GavelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gavel",
        abstract: "Turn groups of agent trajectories into RL rewards with an LLM judge (RULER-style ranking).",
        discussion: """
        Gavel reads JSONL trajectory files (OpenPipe ART's layouts or plain OpenAI chat messages), \
        groups trajectories that chased the same goal, asks a judge model to score each group's \
        members against each other, and writes ranked JSONL with scores, ranks and GRPO advantages.

        Examples:
          gavel rank trajectories.jsonl -o ranked.jsonl --judge openai/gpt-4o-mini
          gavel rank runs/*.jsonl --judge anthropic/claude-sonnet-4-5 --concurrency 64
          gavel-judge-sim --port 8787 & gavel rank Examples/art-group-lines.jsonl --judge openai/sim --api-base http://127.0.0.1:8787/v1
        """,
        version: "0.1.0",
        subcommands: [RankCommand.self],
        defaultSubcommand: nil
    )
}
