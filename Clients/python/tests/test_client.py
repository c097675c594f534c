"""The client against a real ``gavel serve`` (judging through the simulator)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gavel_client import AsyncGavelClient, GavelClient, GavelError, GroupScore

from conftest import REPO, start_serve

EXAMPLE = REPO / "Examples" / "art-group-lines.jsonl"


def example_groups() -> list[dict]:
    return [json.loads(line) for line in EXAMPLE.read_text().splitlines() if line.strip()]


def variant(tag: str) -> list[dict]:
    group = example_groups()[0]["trajectories"]
    first = dict(group[0])
    first["messages_and_choices"] = first["messages_and_choices"] + [{"role": "assistant", "content": f"variant {tag}"}]
    return [first] + group[1:]


def test_score_group_sync_and_async_agree_and_the_second_is_cached(serve):
    trajectories = variant("sync-async")
    with GavelClient(serve.url) as client:
        first = client.rank_group(trajectories)
        assert not first.cached
        scores = client.score_group(trajectories)
    assert len(scores) == len(trajectories)
    assert all(isinstance(s, GroupScore) for s in scores)
    assert sorted(s.rank for s in scores)[0] == 1
    assert all(0 <= s.score <= 1 and s.explanation for s in scores)
    assert abs(sum(s.advantage for s in scores)) < 1e-6  # GRPO advantages are centred

    async def go():
        async with AsyncGavelClient(serve.url) as client:
            result = await client.rank_group(trajectories)
            return result, await asyncio.gather(*(client.score_group(variant(f"async-{i}")) for i in range(8)))

    result, many = asyncio.run(go())
    assert result.cached
    assert [s.score for s in result.scores] == [s.score for s in scores]
    assert [s.score for s in result.scores] == [s.score for s in first.scores]
    assert len(many) == 8 and all(len(m) == len(trajectories) for m in many)


def test_openai_chat_messages_and_bare_lists(serve):
    chats = [
        {"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": f"QUALITY={q} answer {q}"}]}
        for q in (0.2, 0.9, 0.5)
    ]
    with GavelClient(serve.url) as client:
        by_dict = client.score_group(chats)
        by_list = client.score_group([c["messages"] for c in chats])
    assert [s.score for s in by_dict] == [s.score for s in by_list]
    assert [s.rank for s in by_dict] == [3, 1, 2]


def test_errors_carry_the_service_code_and_path(serve):
    with GavelClient(serve.url) as client:
        with pytest.raises(GavelError) as empty:
            client.score_group([])
        assert empty.value.status == 400 and empty.value.code == "empty_group" and empty.value.path == "$.trajectories"
        with pytest.raises(GavelError) as bad:
            client.score_group([{"messages": []}])
        assert bad.value.code == "invalid_trajectory" and bad.value.path == "$.trajectories[0]"
        with pytest.raises(GavelError) as rubric:
            client.score_group(variant("rubric"), rubric="no-such-rubric")
        assert rubric.value.code == "unknown_rubric"
    with pytest.raises(GavelError) as down:
        GavelClient("http://127.0.0.1:9", max_retries=0).score_group(variant("down"))
    assert down.value.code == "unreachable"


def test_rank_groups_streams_every_group_with_its_index(serve):
    groups = [variant(f"many-{i}") for i in range(4)] + [[]]
    with GavelClient(serve.url) as client:
        with pytest.raises(GavelError) as refused:
            list(client.rank_groups(groups))
        assert refused.value.path == "$.groups[4].trajectories"
        results = dict(client.rank_groups(groups[:4], advantage="none"))
    assert sorted(results) == [0, 1, 2, 3]
    assert all(len(r.scores) == 4 and r.scores[0].advantage is None for r in results.values())


def test_token(simulator, workdir):
    env = dict(os.environ, GAVEL_CLIENT_TEST_TOKEN="tok-123")
    s = start_serve(simulator, workdir, "token", "--auth-token-env", "GAVEL_CLIENT_TEST_TOKEN", env=env)
    try:
        with pytest.raises(GavelError) as refused:
            GavelClient(s.url).score_group(variant("token"))
        assert refused.value.status == 401 and refused.value.code == "unauthorized"
        assert len(GavelClient(s.url, token="tok-123").score_group(variant("token"))) == 4
    finally:
        assert s.stop() == 0


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    return subprocess.run([sys.executable, "-m", "gavel_client", *args], capture_output=True, text=True, input=stdin, env=env, timeout=300)


def test_cli_rank_streams_a_file(serve, workdir):
    out = workdir / "ranked.jsonl"
    done = run_cli("rank", str(EXAMPLE), "-o", str(out), "--url", serve.url, "--batch", "1")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    original = example_groups()
    assert len(lines) == len(original)
    for got, want in zip(lines, original):
        for t, w in zip(got["trajectories"], want["trajectories"]):
            assert t["reward"] == t["gavel"]["score"] == t["metrics"]["ruler_score"]
            assert t["metrics"]["independent_reward"] == w["reward"]
            assert t["logs"][-1].startswith("RULER explanation: ")
            assert t["messages_and_choices"] == w["messages_and_choices"]

    # Trajectory lines, grouped by metadata.group_id, come back line for line.
    lines_in = (REPO / "Examples" / "art-trajectory-lines.jsonl").read_text()
    done = run_cli("rank", "-", "--url", serve.url, stdin=lines_in)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == len(lines_in.splitlines())
    assert all("score" in r["gavel"] for r in rows)


def test_cli_bad_input_names_file_and_line(serve, workdir):
    bad = workdir / "bad.jsonl"
    bad.write_text(EXAMPLE.read_text().splitlines()[0] + "\n{not json\n")
    done = run_cli("rank", str(bad), "--url", serve.url)
    assert done.returncode == 2
    assert f"{bad}:2: expected a JSON object" in done.stderr
    assert done.stdout == ""
