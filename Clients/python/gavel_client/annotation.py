"""ART's reward fields as Gavel writes them: the one table every writer follows.

This mirrors ``Sources/GavelScoring/Stage/ARTAnnotation.swift`` (the table the ``gavel`` binary's JSONL
and Parquet writers follow); a test of the Swift suite (``ARTAnnotationTests``) reads the names below
and checks they agree.

=============================  =========================================  ==========================================
field                          a scored trajectory gets                   rule
=============================  =========================================  ==========================================
``reward``                     the score                                  replaced or added
``metrics.ruler_score``        the score                                  replaced or added (metrics made if missing)
``metrics.independent_reward`` the reward before ranking (None if none)   added; kept if already there
``logs``                       ``"RULER explanation: " + explanation``    appended (a missing or None list becomes one)
``gavel``                      Gavel's object (group, score, rank, ...)   replaced or added
=============================  =========================================  ==========================================

A trajectory whose group could not be judged gets only ``gavel: {group, error}``; a ``metrics`` or
``logs`` value of another type is left as it is. The names and rule are ART's ``ruler_score_group``'s,
but for ``independent_reward``, which ART overwrites: kept, so a second ranking still knows the
reward the trajectory came with.
"""

from __future__ import annotations

from typing import Any

REWARD = "reward"
METRICS = "metrics"
SCORE_METRIC = "ruler_score"
ORIGINAL_REWARD_METRIC = "independent_reward"
LOGS = "logs"
LOG_PREFIX = "RULER explanation: "
GAVEL = "gavel"


def log_line(explanation: str) -> str:
    """The log line for an explanation."""
    return LOG_PREFIX + explanation


def annotate(t: dict[str, Any], score: float, explanation: str, gavel: dict[str, Any]) -> None:
    """Sets a scored trajectory's fields (a JSON object as a dict) by the table."""
    original = t.get(REWARD)
    t[REWARD] = score
    metrics = t.get(METRICS)
    if metrics is None or isinstance(metrics, dict):
        metrics = dict(metrics or {})
        metrics.setdefault(ORIGINAL_REWARD_METRIC, original)
        metrics[SCORE_METRIC] = score
        t[METRICS] = metrics
    logs = t.get(LOGS)
    if isinstance(logs, list):
        t[LOGS] = logs + [log_line(explanation)]
    elif logs is None:
        t[LOGS] = [log_line(explanation)]
    t[GAVEL] = gavel
