"""ART's RULER over every group of a Gavel benchmark workload, for a same-run comparison.

Reads the same JSONL file Gavel ranks (ART trajectory lines grouped by metadata.group_id),
calls ART's own art.rewards.ruler.ruler() once per group with an asyncio semaphore, writes
the scores as JSONL, and prints one JSON line of figures: wall, CPU seconds, calls.

Usage: python art_peer.py WORKLOAD.jsonl API_BASE CONCURRENCY OUT.jsonl
"""
import asyncio
import json
import os
import resource
import sys
import time

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("OPENAI_API_KEY", "sk-benchmark-not-a-key")

from art.rewards import ruler  # noqa: E402


def cpu_seconds() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


async def main(path: str, api_base: str, concurrency: int, out_path: str) -> None:
    t0, c0 = time.perf_counter(), cpu_seconds()
    groups: dict[str, list] = {}
    with open(path) as f:
        for line in f:
            t = json.loads(line)
            messages = [
                m["message"] if isinstance(m, dict) and "message" in m and "finish_reason" in m else m
                for m in t["messages_and_choices"]
            ]
            groups.setdefault(t["metadata"]["group_id"], []).append((messages, t.get("tools")))
    semaphore = asyncio.Semaphore(concurrency)
    failures = 0

    async def judge(key: str, items: list) -> tuple[str, list[float]]:
        nonlocal failures
        async with semaphore:
            try:
                scores = await ruler(
                    [m for m, _ in items],
                    judge_model="openai/sim-judge",
                    extra_litellm_params={"api_base": api_base},
                    tools=items[0][1],
                )
                return key, [s.score for s in scores]
            except Exception as e:  # counted, not fatal: the figures say how many failed
                failures += 1
                print(f"group {key} failed: {e}", file=sys.stderr)
                return key, []

    results = await asyncio.gather(*(judge(k, v) for k, v in groups.items()))
    with open(out_path, "w") as out:
        for key, scores in results:
            out.write(json.dumps({"group": key, "scores": scores}) + "\n")
    print(json.dumps({"wall": time.perf_counter() - t0, "cpu": cpu_seconds() - c0,
                      "calls": len(groups), "failures": failures}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]))
