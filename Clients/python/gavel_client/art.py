"""A drop-in for ART's ``ruler_score_group`` that scores through ``gavel serve``.

    from gavel_client import gavel_score_group
    groups = await art.gather_trajectory_groups(
        (art.TrajectoryGroup(rollout(model, s) for _ in range(8)) for s in scenarios),
        after_each=lambda g: gavel_score_group(g, swallow_exceptions=True),
    )

The returned group is new (the input is not changed) and carries what ``ruler_score_group`` sets:
``reward`` = the score, ``metrics["ruler_score"]`` = the score, ``metrics["independent_reward"]`` =
the reward the trajectory had (kept if already there: the table in ``gavel_client.annotation``), and
``"RULER explanation: ..."`` appended to ``logs``.
"""

from __future__ import annotations

import os
from typing import Any, Optional, Union

from . import annotation
from .client import DEFAULT_URL, AsyncGavelClient, GavelClient, loop_client

async def gavel_score_group(
    group: Any,
    base_url: Union[str, GavelClient, AsyncGavelClient, None] = None,
    *,
    token: Optional[str] = None,
    rubric: Optional[str] = None,
    samples: Optional[int] = None,
    swallow_exceptions: bool = False,
    debug: bool = False,
    client: Optional[AsyncGavelClient] = None,
) -> Any:
    """Scores an ``art.TrajectoryGroup`` through ``gavel serve``; a new group with rewards set as
    ART's ``ruler_score_group`` sets them, or None on error with ``swallow_exceptions``.

    ``base_url`` is the service's URL or a ``LocalGavel`` (any client: its URL is used), by default
    ``$GAVEL_URL``, else http://127.0.0.1:8080; ``token`` defaults to ``$GAVEL_TOKEN``.
    """
    import art  # the adapter is for ART users; the client itself does not need ART

    for t in group.trajectories:
        if len(getattr(t, "additional_histories", []) or []) > 0:
            raise ValueError("Additional histories are not supported by RULER yet.")
    copies = [
        t.__class__(
            messages_and_choices=t.messages_and_choices.copy(),
            tools=t.tools.copy() if t.tools else None,
            additional_histories=[h.model_copy(deep=True) for h in t.additional_histories],
            reward=t.reward,
            metrics=t.metrics.copy(),
            metadata=t.metadata.copy(),
            logs=t.logs.copy(),
        )
        for t in group.trajectories
    ]
    for t in copies:
        # The table's rule (gavel_client.annotation): kept if already there, where ART overwrites it.
        t.metrics.setdefault(annotation.ORIGINAL_REWARD_METRIC, t.reward)
    if isinstance(base_url, (GavelClient, AsyncGavelClient)):
        base_url = base_url.base_url
    service = client or loop_client(base_url or os.environ.get("GAVEL_URL", DEFAULT_URL), token or os.environ.get("GAVEL_TOKEN"))
    try:
        scores = await service.score_group(copies, rubric=rubric, samples=samples)
    except Exception as e:
        if swallow_exceptions:
            print(f"[gavel] Swallowed exception: {e}")
            return None
        raise
    for t, s in zip(copies, scores):
        t.metrics[annotation.SCORE_METRIC] = s.score
        t.reward = s.score
        t.log(annotation.log_line(s.explanation))
        if debug:
            print(f"[gavel] score {s.score:.3f} rank {s.rank}: {s.explanation}")
    return art.TrajectoryGroup(copies)
