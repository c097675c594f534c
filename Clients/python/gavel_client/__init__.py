"""Client for `gavel serve`: score groups of agent trajectories against each other with one shared
judge, cache and rate budget for every rollout worker of a training job.

    from gavel_client import GavelClient
    scores = GavelClient("http://127.0.0.1:8080").score_group(trajectories)

or with a service of its own that this process starts and stops (the wheel carries ``gavel``):

    with LocalGavel(judge="openai/gpt-4.1-mini") as gavel:
        scores = gavel.score_group(trajectories)

inside an ART training loop, ``await gavel_score_group(group)`` in place of ART's
``ruler_score_group(group)`` (see ``gavel_client.art``); in TRL's ``GRPOTrainer``,
``reward_funcs=[GavelReward(gavel)]`` (see ``gavel_client.trl``).
"""

from .client import AsyncGavelClient, GavelClient, GavelError, GroupResult, GroupScore
from .art import gavel_score_group
from .local import AsyncLocalGavel, LocalGavel

__all__ = [
    "AsyncGavelClient",
    "AsyncLocalGavel",
    "GavelClient",
    "GavelError",
    "GroupResult",
    "GroupScore",
    "LocalGavel",
    "gavel_score_group",
]
__version__ = "0.1.0"
