"""Reads Gavel's ranked Parquet with ART's own reader (DuckDB), polars and pyarrow, against the input file.

Usage: python read_back.py INPUT.parquet RANKED.parquet [INPUT RANKED ...]
(exit 0 and "ok N rows" per pair when it holds for every pair)
"""
import json
import sys

import polars as pl
import pyarrow.parquet as pq
from art.utils.trajectory_logging import read_trajectory_groups_parquet


def check(source, ranked_path):
    original = pl.read_parquet(source)
    ranked = pl.read_parquet(ranked_path)
    assert ranked.columns == original.columns + ["gavel"], ranked.columns
    assert ranked.height == original.height, (ranked.height, original.height)

    # polars, row by row: the reward is the judge's score; metrics, logs as ART's ruler_score_group sets them.
    scores_by_group = {}
    for before, after in zip(original.iter_rows(named=True), ranked.iter_rows(named=True)):
        gavel = json.loads(after["gavel"])
        assert after["reward"] == gavel["score"], (after["reward"], gavel)
        metrics = json.loads(after["metrics"])
        assert metrics["ruler_score"] == gavel["score"] and metrics["independent_reward"] == before["reward"], metrics
        assert {k: v for k, v in metrics.items() if k not in ("ruler_score", "independent_reward")} == json.loads(before["metrics"] or "{}")
        assert after["logs"] == (before["logs"] or []) + ["RULER explanation: " + gavel["explanation"]], after["logs"]
        for column in original.columns:
            if column not in ("reward", "metrics", "logs"):
                assert after[column] == before[column], column
        scores_by_group.setdefault(after["group_index"], []).append(gavel["score"])

    # pyarrow: every value but the ones ranking sets is the input's.
    for before, after in zip(pq.read_table(source).to_pylist(), pq.read_table(ranked_path).to_pylist()):
        assert {k: v for k, v in after.items() if k not in ("reward", "metrics", "logs", "gavel")} == {
            k: v for k, v in before.items() if k not in ("reward", "metrics", "logs")}

    # ART's own reader (DuckDB underneath): the same groups, the rewards are the scores.
    groups_before = read_trajectory_groups_parquet(source)
    groups_after = read_trajectory_groups_parquet(ranked_path)
    assert len(groups_after) == len(groups_before) == len(scores_by_group)
    for index, (before, after) in enumerate(zip(groups_before, groups_after)):
        assert sorted(t.reward for t in after.trajectories) == sorted(scores_by_group[index])
        key = lambda t: json.dumps(t.messages_and_choices, sort_keys=True, default=str)
        assert sorted(map(key, after.trajectories)) == sorted(map(key, before.trajectories))
        for t in after.trajectories:
            assert t.metrics["ruler_score"] == t.reward and t.logs[-1].startswith("RULER explanation: ")
        assert after.metadata == before.metadata and after.logs == before.logs
    print(f"ok {ranked.height} rows ({source})")


args = sys.argv[1:]
assert args and len(args) % 2 == 0, "pairs of INPUT RANKED expected"
for i in range(0, len(args), 2):
    check(args[i], args[i + 1])
