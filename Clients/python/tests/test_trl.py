"""GavelReward in TRL: the grouping of a batch, and a real ``trl.GRPOTrainer`` step whose rewards
come from a LocalGavel judging through the simulator.

The model and tokenizer are made here (a byte-level BPE trained on a few lines, a one-layer Llama
with random weights): nothing is downloaded.
"""

from __future__ import annotations

import json
import math
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from gavel_client import GavelError, LocalGavel
from gavel_client.trl import AsyncGavelReward, GavelReward, group_batch

from conftest import gavel_binary


def test_grouping_follows_prompts_in_any_order():
    prompts = ["b", "a", "b", "a", "b", "a"]
    completions = ["b1", "a1", "b2", "a2", "b3", "a3"]
    groups, trajectories = group_batch(prompts, completions)
    assert groups == [[0, 2, 4], [1, 3, 5]]
    assert trajectories[1][2] == {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "a3"}]}


def test_conversations_and_tools_reach_the_judge_as_messages():
    prompt = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "weather?"}]
    call = {"role": "assistant", "content": "", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\": \"Oslo\"}"}}]}
    completions = [[call, {"role": "tool", "tool_call_id": "c1", "content": "rain"}, {"role": "assistant", "content": "Rain."}],
                   [{"role": "assistant", "content": "No idea."}]]
    tools = [[{"type": "function", "function": {"name": "weather"}}]] * 2
    _, trajectories = group_batch([prompt, prompt], completions, tools)
    first = trajectories[0][0]
    assert first["messages"][:2] == prompt and first["messages"][2]["tool_calls"][0]["function"]["name"] == "weather"
    assert first["tools"] == tools[0]


def test_a_prompt_with_one_completion_is_refused_naming_its_index():
    with pytest.raises(ValueError, match=r"prompt 2 has only one completion"):
        group_batch(["a", "a", "b"], ["1", "2", "3"])


def test_rewards_come_back_in_batch_order_and_equal_the_services_scores(serve):
    prompts = ["q1", "q2", "q1", "q2", "q1", "q2"]
    completions = ["The answer is 4.", "Paris.", "I think 5.", "Lyon?", "4", "It is Paris, France's capital."]
    reward = GavelReward(serve.url)
    rewards = reward(prompts=prompts, completions=completions)
    assert len(rewards) == 6 and all(isinstance(r, float) and 0 <= r <= 1 for r in rewards)
    groups, trajectories = group_batch(prompts, completions)
    from gavel_client import GavelClient

    with GavelClient(serve.url) as client:
        for indices, group in zip(groups, trajectories):
            scores = [s.score for s in client.score_group(group, advantage="none")]
            assert [rewards[i] for i in indices] == scores

    import asyncio

    assert asyncio.run(AsyncGavelReward(serve.url)(prompts=prompts, completions=completions)) == rewards


def test_an_unreachable_service_raises_or_gives_nan_as_asked():
    from conftest import REPO  # noqa: F401  (the suite's paths; nothing listens on port 9)

    with pytest.raises(GavelError) as e:
        GavelReward("http://127.0.0.1:9")(prompts=["a", "a"], completions=["1", "2"])
    assert e.value.code == "unreachable"
    nan = GavelReward("http://127.0.0.1:9", on_error="nan")(prompts=["a", "a"], completions=["1", "2"])
    assert all(math.isnan(r) for r in nan)
    assert GavelReward("http://127.0.0.1:9", on_error="zero")(prompts=["a", "a"], completions=["1", "2"]) == [0.0, 0.0]


def tiny_model(directory: Path) -> tuple[Any, Any]:
    """A one-layer Llama with random weights and a byte-level BPE tokenizer trained here."""
    tokenizers = pytest.importorskip("tokenizers")
    transformers = pytest.importorskip("transformers")
    import torch

    torch.manual_seed(0)
    bpe = tokenizers.Tokenizer(tokenizers.models.BPE(unk_token=None))
    bpe.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = tokenizers.decoders.ByteLevel()
    trainer = tokenizers.trainers.BpeTrainer(
        vocab_size=400, special_tokens=["<pad>", "<s>", "</s>"],
        initial_alphabet=tokenizers.pre_tokenizers.ByteLevel.alphabet(),
    )
    corpus = ["What is two plus two? Four.", "Name the capital of France. Paris.", "user assistant system"] * 20
    bpe.train_from_iterator(corpus, trainer)
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=bpe, bos_token="<s>", eos_token="</s>", pad_token="<pad>"
    )
    tokenizer.chat_template = (
        "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}assistant: {% endif %}"
    )
    config = transformers.LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=256,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )
    model = transformers.LlamaForCausalLM(config)
    return model, tokenizer


def simulator_requests(simulator: Any) -> int:
    root = simulator.url.removesuffix("/v1")
    with urllib.request.urlopen(root + "/stats", timeout=10) as response:
        return int(json.load(response)["requests"])


def test_a_real_grpo_trainer_step_is_rewarded_by_gavel(simulator, workdir):
    trl = pytest.importorskip("trl", reason="TRL is not installed (pip install trl; .ci/run makes a venv with it)")
    datasets = pytest.importorskip("datasets")
    transformers = pytest.importorskip("transformers")
    model, tokenizer = tiny_model(workdir / "tiny")
    dataset = datasets.Dataset.from_list(
        [{"prompt": [{"role": "user", "content": q}]} for q in ("What is two plus two?", "Name the capital of France.")] * 2
    )
    config = trl.GRPOConfig(
        output_dir=str(workdir / "grpo"), per_device_train_batch_size=8, num_generations=4, max_completion_length=12,
        max_steps=2, learning_rate=1e-3, logging_steps=1, report_to="none", use_cpu=True, bf16=False,
        save_strategy="no", seed=0, dataloader_num_workers=0, temperature=1.0,
    )
    with LocalGavel(
        judge="openai/sim-judge", api_base=simulator.url, cache_dir=str(workdir / "cache-trl"), binary=gavel_binary()
    ) as gavel:
        reward = GavelReward(gavel)
        before = simulator_requests(simulator)
        trainer = trl.GRPOTrainer(
            model=model, processing_class=tokenizer, reward_funcs=[reward], args=config, train_dataset=dataset
        )
        # What the trainer recorded for its completions table, step by step (it keeps the last step's
        # generation batch only): each completion with its prompt and the reward it trained on.
        prompts: list[Any] = []
        completions: list[Any] = []
        logged: list[float] = []

        class Snapshot(transformers.TrainerCallback):
            def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
                prompts.extend(trainer._logs["prompt"])
                completions.extend(trainer._logs["completion"])
                logged.extend(trainer._logs["rewards"]["gavel"])

        trainer.add_callback(Snapshot())
        trainer.train()
        calls = simulator_requests(simulator) - before
        assert trainer.state.global_step == 2
        assert len(prompts) == len(completions) == len(logged) == 16  # 2 steps x 8 completions
        assert "rewards/gavel/mean" in {k for entry in trainer.state.log_history for k in entry}

        # One judge call per group (2 prompts x 4 generations a step; a group the cache had costs none).
        per_step = [group_batch(prompts[s:s + 8], completions[s:s + 8]) for s in (0, 8)]
        distinct = {json.dumps(t, sort_keys=True) for _, trajectories in per_step for t in trajectories}
        assert all(len(groups) == 2 and all(len(g) == 4 for g in groups) for groups, _ in per_step)
        assert calls == len(distinct), f"{calls} judge calls for {len(distinct)} distinct groups"

        # The rewards are Gavel's scores for those completions (asked again: the cache answers).
        for s, (groups, trajectories) in zip((0, 8), per_step):
            for indices, group in zip(groups, trajectories):
                result = gavel.rank_group(group, advantage="none")
                assert result.cached
                for i, score in zip(indices, result.scores):
                    assert logged[s + i] == pytest.approx(score.score, abs=1e-6)
        assert simulator_requests(simulator) - before == calls


def test_an_unreachable_judge_is_a_gavel_error_with_the_services_code(workdir):
    # The service is up; its judge is not (nothing listens on port 9): the group fails, and so does the step.
    with LocalGavel(
        judge="openai/sim-judge", api_base="http://127.0.0.1:9/v1", cache_dir=str(workdir / "cache-nojudge"),
        args=["--max-retries", "0"], binary=gavel_binary(),
    ) as gavel:
        with pytest.raises(GavelError) as e:
            GavelReward(gavel)(prompts=["a", "a", "b", "b"], completions=["1", "2", "3", "4"])
        assert e.value.code == "judge_failed", e.value
        zero = GavelReward(gavel, on_error="zero")(prompts=["a", "a", "b", "b"], completions=["1", "2", "3", "4"])
        assert zero == [0.0] * 4
