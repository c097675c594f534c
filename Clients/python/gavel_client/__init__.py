"""Client for `gavel serve`: score groups of agent trajectories against each other with one shared
judge, cache and rate budget for every rollout worker of a training job.

    from gavel_client import GavelClient
    scores = GavelClient("http://127.0.0.1:8080").score_group(trajectories)

and, inside an ART training loop, ``await gavel_score_group(group)`` in place of ART's
``ruler_score_group(group)`` (see ``gavel_client.art``).
"""

from .client import AsyncGavelClient, GavelClient, GavelError, GroupResult, GroupScore
from .art import gavel_score_group

__all__ = [
    "AsyncGavelClient",
    "GavelClient",
    "GavelError",
    "GroupResult",
    "GroupScore",
    "gavel_score_group",
]
__version__ = "0.1.0"
