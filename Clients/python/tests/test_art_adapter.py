"""The ART adapter on real ``art.Trajectory`` objects: ``gavel_score_group`` sets what ART's own
``ruler_score_group`` sets. Both judge through the same simulator, which scores each trajectory
by the QUALITY marker in it, so both give the same scores."""

from __future__ import annotations

import asyncio
import os

import pytest

art = pytest.importorskip("art", reason="openpipe-art is not installed (pip install openpipe-art)")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from openai.types.chat.chat_completion import Choice  # noqa: E402
from openai.types.chat.chat_completion_message import ChatCompletionMessage  # noqa: E402

from gavel_client import AsyncGavelClient, gavel_score_group  # noqa: E402


def make_group() -> "art.TrajectoryGroup":
    trajectories = []
    for i, q in enumerate([0.3, 0.9, 0.6, 0.1]):
        choice = Choice(
            index=0,
            finish_reason="stop",
            message=ChatCompletionMessage(role="assistant", content=f"The answer is {i}. QUALITY={q}"),
        )
        trajectories.append(
            art.Trajectory(
                messages_and_choices=[
                    {"role": "system", "content": "You answer questions."},
                    {"role": "user", "content": "What is the answer?"},
                    choice,
                ],
                reward=float(i) / 10,
                metrics={"duration": 1.5 + i},
                metadata={"scenario_id": "s1"},
                logs=["rollout done"],
            )
        )
    return art.TrajectoryGroup(trajectories)


def test_gavel_score_group_sets_what_ruler_score_group_sets(serve, simulator):
    from art.rewards import ruler_score_group

    group = make_group()
    before = [(t.reward, dict(t.metrics), list(t.logs)) for t in group.trajectories]

    async def both():
        ours = await gavel_score_group(group, serve.url)
        theirs = await ruler_score_group(
            group, "openai/sim-judge", extra_litellm_params={"api_base": simulator.url, "api_key": "sk-test-not-a-key"}
        )
        return ours, theirs

    ours, theirs = asyncio.run(both())
    assert isinstance(ours, art.TrajectoryGroup) and isinstance(theirs, art.TrajectoryGroup)
    assert ours is not group
    # The input group is left as it was, as ART leaves it.
    assert [(t.reward, dict(t.metrics), list(t.logs)) for t in group.trajectories] == before
    for o, t, (reward, metrics, logs) in zip(ours.trajectories, theirs.trajectories, before):
        assert set(o.metrics) == set(t.metrics) == set(metrics) | {"independent_reward", "ruler_score"}
        assert o.metrics["independent_reward"] == t.metrics["independent_reward"] == reward
        assert o.metrics["duration"] == metrics["duration"]
        assert o.reward == o.metrics["ruler_score"]
        assert o.reward == pytest.approx(t.reward)
        assert len(o.logs) == len(t.logs) == len(logs) + 1
        assert o.logs[:-1] == logs and o.logs[-1].startswith("RULER explanation: ") and t.logs[-1].startswith("RULER explanation: ")
        assert o.messages_and_choices == t.messages_and_choices
        assert o.metadata == t.metadata
    assert [t.reward for t in ours.trajectories] == [0.3, 0.9, 0.6, 0.1]


def test_swallow_exceptions_returns_none_like_ruler_score_group():
    async def go():
        async with AsyncGavelClient("http://127.0.0.1:9", max_retries=0) as client:
            return await gavel_score_group(make_group(), client=client, swallow_exceptions=True)

    assert asyncio.run(go()) is None
    with pytest.raises(Exception):
        asyncio.run(gavel_score_group(make_group(), "http://127.0.0.1:9"))


def test_gavel_score_group_takes_a_local_gavel(simulator, workdir):
    from conftest import gavel_binary
    from gavel_client import LocalGavel

    with LocalGavel(
        judge="openai/sim-judge", api_base=simulator.url, cache_dir=str(workdir / "cache-art-local"), binary=gavel_binary(),
        args=["--answer", "explained", "--grade", "number"],
    ) as gavel:
        scored = asyncio.run(gavel_score_group(make_group(), gavel))
    assert [t.reward for t in scored.trajectories] == [0.3, 0.9, 0.6, 0.1]
    assert all(t.logs[-1].startswith("RULER explanation: ") for t in scored.trajectories)
