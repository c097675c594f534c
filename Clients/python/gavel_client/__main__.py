"""``python -m gavel_client rank FILE``: stream a JSONL file of trajectories through ``gavel serve``.

Reads ART's JSONL layouts: group lines (``{"trajectories": [...]}``) or trajectory lines grouped by
``group_id``, ``metadata.group_id`` or ``metadata.scenario_id``. Writes every line back, in input
order, with ``reward``, ``metrics.ruler_score``, ``metrics.independent_reward``, a log line and a
``gavel`` object (as ``gavel rank`` writes them). Groups go to the service ``--batch`` at a time
and lines are written as soon as their groups are done.

Exit status: 0 all groups ranked; 1 some groups failed (written with ``gavel.error``);
2 bad input or usage; 3 the service cannot be reached or refused the token.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Optional, TextIO

from . import annotation
from .client import DEFAULT_URL, GavelClient, GavelError, GroupResult

GROUP_KEYS = (("group_id",), ("metadata", "group_id"), ("metadata", "scenario_id"))


class InputProblem(Exception):
    pass


def _key(o: dict[str, Any]) -> Optional[str]:
    for path in GROUP_KEYS:
        v: Any = o
        for part in path:
            v = v.get(part) if isinstance(v, dict) else None
        if v is not None:
            return json.dumps(v) if not isinstance(v, str) else v
    return None


def _read(path: str, stream: TextIO) -> tuple[list[dict[str, Any]], list[list[tuple[int, Optional[int]]]]]:
    """The file's records and its groups, each a list of (record, trajectory index or None)."""
    records: list[dict[str, Any]] = []
    groups: list[list[tuple[int, Optional[int]]]] = []
    by_key: dict[str, int] = {}
    for number, line in enumerate(stream, start=1):
        if number == 1:
            line = line.lstrip("\ufeff")  # a byte-order mark, as Python tools sometimes write
        if not line.strip():
            continue
        try:
            o = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputProblem(f"{path}:{number}: expected a JSON object ({e.msg} at column {e.colno})") from None
        if not isinstance(o, dict):
            raise InputProblem(f"{path}:{number}: expected a JSON object, found {type(o).__name__}")
        r = len(records)
        records.append(o)
        if "trajectories" in o:
            items = o["trajectories"]
            if not isinstance(items, list) or not items or not all(isinstance(t, dict) for t in items):
                raise InputProblem(f"{path}:{number}: expected \"trajectories\" to be a non-empty array of objects")
            groups.append([(r, k) for k in range(len(items))])
        elif "messages_and_choices" in o or "messages" in o:
            key = _key(o)
            if key is None:
                raise InputProblem(f"{path}:{number}: expected group_id, metadata.group_id or metadata.scenario_id to group by")
            if key not in by_key:
                by_key[key] = len(groups)
                groups.append([])
            groups[by_key[key]].append((r, None))
        else:
            raise InputProblem(f"{path}:{number}: expected \"trajectories\", \"messages_and_choices\" or \"messages\"")
    if not groups:
        raise InputProblem(f"{path}: expected at least one trajectory, found none")
    return records, groups


def _annotate(t: dict[str, Any], result: GroupResult | GavelError, member: int, key: str) -> None:
    if isinstance(result, GavelError):
        t[annotation.GAVEL] = {"group": key, "error": f"{result.code}: {result.message}"}
        return
    s = result.scores[member]
    gavel: dict[str, Any] = {"group": key, "score": s.score, "rank": s.rank}
    if s.advantage is not None:
        gavel["advantage"] = s.advantage
    gavel.update({"zero_variance": result.zero_variance, "explanation": s.explanation, "judge": result.judge, "cached": result.cached})
    if s.score_spread is not None:
        gavel["score_spread"] = s.score_spread
    annotation.annotate(t, s.score, s.explanation, gavel)


def rank(args: argparse.Namespace) -> int:
    try:
        if args.file == "-":
            records, groups = _read("<stdin>", sys.stdin)
        else:
            with open(args.file, encoding="utf-8") as f:
                records, groups = _read(args.file, f)
    except (InputProblem, OSError, UnicodeDecodeError) as e:
        print(f"gavel_client: error: {e}", file=sys.stderr)
        return 2
    token = os.environ.get(args.token_env) if args.token_env else None
    if args.token_env and not token:
        print(f"gavel_client: error: --token-env {args.token_env}: the variable is not set", file=sys.stderr)
        return 2
    out = open(args.output, "w", encoding="utf-8") if args.output and args.output != "-" else sys.stdout
    # The records each group's last line is in: a record is written once every group it holds is done.
    pending = [0] * len(records)
    for g in groups:
        for r in {r for r, _ in g}:
            pending[r] += 1
    written, failed = 0, 0
    settings = {"rubric": args.rubric, "samples": args.samples, "advantage": args.advantage}
    try:
        with GavelClient(args.url, token) as client:
            for start in range(0, len(groups), args.batch):
                chunk = groups[start : start + args.batch]
                payload = [
                    [records[r]["trajectories"][k] if k is not None else records[r] for r, k in g] for g in chunk
                ]
                for i, result in client.rank_groups(payload, **settings):
                    g = chunk[i]
                    key = f"group {start + i}"
                    if isinstance(result, GavelError):
                        failed += 1
                        print(f"gavel_client: group {start + i} failed: {result}", file=sys.stderr)
                    for member, (r, k) in enumerate(g):
                        _annotate(records[r]["trajectories"][k] if k is not None else records[r], result, member, key)
                    for r in {r for r, _ in g}:
                        pending[r] -= 1
                while written < len(records) and pending[written] == 0:
                    out.write(json.dumps(records[written], ensure_ascii=False) + "\n")
                    written += 1
                out.flush()
    except GavelError as e:
        print(f"gavel_client: error: {e}", file=sys.stderr)
        return 3 if e.code in ("unreachable", "unauthorized") else (2 if e.status == 400 or e.status == 413 else 1)
    finally:
        if out is not sys.stdout:
            out.close()
    if failed:
        print(f"gavel_client: {failed} of {len(groups)} group(s) failed; they are written with gavel.error", file=sys.stderr)
        return 1
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gavel_client", description="Client for gavel serve.")
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser(
        "rank",
        help="stream a JSONL file of trajectories through gavel serve",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example: gavel serve --judge openai/gpt-4.1-mini & python -m gavel_client rank runs.jsonl -o ranked.jsonl",
    )
    r.add_argument("file", help="JSONL file (ART group lines or trajectory lines); - reads standard input")
    r.add_argument("-o", "--output", help="write here instead of standard output")
    r.add_argument("--url", default=os.environ.get("GAVEL_URL", DEFAULT_URL), help="the service (default: $GAVEL_URL, else %(default)s)")
    r.add_argument("--token-env", default=None, help="environment variable holding the bearer token")
    r.add_argument("--batch", type=int, default=16, help="groups per request (default: %(default)s)")
    r.add_argument("--rubric", help="rubric name for every group")
    r.add_argument("--samples", type=int, help="judge samples per group (1-32)")
    r.add_argument("--advantage", choices=["grpo", "mean", "rloo", "none"], help="advantage mode")
    args = parser.parse_args(argv)
    if args.batch < 1:
        parser.error("--batch must be at least 1")
    return rank(args)


if __name__ == "__main__":
    sys.exit(main())
