"""A RULER-style reward function for TRL's ``GRPOTrainer``: each prompt's completions are ranked
against each other by one LLM judge call, and the scores are the rewards.

    from trl import GRPOConfig, GRPOTrainer
    from gavel_client import LocalGavel
    from gavel_client.trl import GavelReward

    gavel = LocalGavel(judge="openai/gpt-4.1-mini")          # or a running service's URL
    trainer = GRPOTrainer(model=..., reward_funcs=[GavelReward(gavel)], args=GRPOConfig(num_generations=8, ...),
                          train_dataset=...)

GRPO asks each prompt ``num_generations`` times; a reward call gets those completions in whatever
order the batch brings them. ``GavelReward`` groups them by their prompt, ranks every group in one
``/v1/rank/many`` request and returns one reward per completion, in the batch's order. Prompts and
completions may be plain text or conversations (lists of messages, tool calls included); a dataset's
``tools`` column reaches the judge with them.
"""

from __future__ import annotations

import functools
import json
import math
from typing import Any, Callable, Literal, Mapping, Optional, Sequence, Union

from .client import AsyncGavelClient, GavelClient, GavelError, GroupResult, loop_client

#: What a failed group's completions get: ``"raise"`` (the default: the step fails with the
#: ``GavelError``), ``"nan"`` (TRL ignores NaN rewards in its sums), or ``"zero"``.
OnError = Literal["raise", "nan", "zero"]

#: A running service's URL, or a client of one (``LocalGavel`` / ``AsyncLocalGavel`` included).
Service = Union[str, GavelClient, AsyncGavelClient]


def _base_url(service: Service) -> str:
    if isinstance(service, str):
        return service.rstrip("/")
    if isinstance(service, (GavelClient, AsyncGavelClient)):
        return service.base_url
    raise TypeError(f"expected a URL, a GavelClient or a LocalGavel, got {type(service).__name__}")


def _messages(part: Any, role: str, what: str, index: int) -> list[dict[str, Any]]:
    """A prompt or completion as chat messages: a conversation as it is, plain text as one message."""
    if isinstance(part, str):
        return [{"role": role, "content": part}]
    if isinstance(part, Sequence) and all(isinstance(m, Mapping) for m in part):
        return [dict(m) for m in part]
    raise TypeError(f"{what}[{index}]: expected a string or a list of chat messages, got {type(part).__name__}")


def _key(prompt: Any) -> str:
    return prompt if isinstance(prompt, str) else json.dumps(prompt, sort_keys=True, default=str)


def group_batch(
    prompts: Sequence[Any], completions: Sequence[Any], tools: Optional[Sequence[Any]] = None
) -> tuple[list[list[int]], list[list[dict[str, Any]]]]:
    """Groups a TRL batch by prompt: the batch indices of each group (groups in order of first
    appearance) and each group's trajectories (``{"messages": prompt + completion, "tools"?}``).

    Raises ``ValueError`` naming the index of a prompt that has fewer than two completions in the
    batch: a group of one has nothing to be compared with.
    """
    if len(prompts) != len(completions):
        raise ValueError(f"{len(prompts)} prompts but {len(completions)} completions")
    order: dict[str, list[int]] = {}
    for i, p in enumerate(prompts):
        order.setdefault(_key(p), []).append(i)
    groups = list(order.values())
    for indices in groups:
        if len(indices) < 2:
            raise ValueError(
                f"prompt {indices[0]} has only one completion in this batch: GavelReward ranks a prompt's completions "
                "against each other, so each prompt needs at least two (GRPOConfig.num_generations >= 2, and all of a "
                "prompt's generations in one reward call)"
            )
    trajectories = []
    for indices in groups:
        group = []
        for i in indices:
            t: dict[str, Any] = {
                "messages": _messages(prompts[i], "user", "prompts", i) + _messages(completions[i], "assistant", "completions", i)
            }
            if tools is not None and tools[i]:
                t["tools"] = list(tools[i])
            group.append(t)
        trajectories.append(group)
    return groups, trajectories


class _Rewards:
    """The shared part: settings, grouping, and turning group results into rewards in batch order.

    ``service``: the service's URL or a ``LocalGavel``. ``rubric`` and ``samples`` are sent with every
    request (default: the service's own). ``on_error`` decides what a group the judge failed gets.
    ``name`` is what TRL's logs call this reward. ``token`` is the service's bearer token.
    """

    def __init__(
        self,
        service: Service,
        *,
        rubric: Optional[str] = None,
        samples: Optional[int] = None,
        on_error: OnError = "raise",
        name: str = "gavel",
        token: Optional[str] = None,
        timeout: float = 600.0,
    ):
        if on_error not in ("raise", "nan", "zero"):
            raise ValueError(f"on_error must be 'raise', 'nan' or 'zero', got {on_error!r}")
        self.url = _base_url(service)
        self.rubric = rubric
        self.samples = samples
        self.on_error = on_error
        self.token = token
        self.timeout = timeout
        #: TRL logs the rewards under this name (``rewards/<name>/mean``).
        self.__name__ = name

    def _settings(self) -> dict[str, Any]:
        return {"rubric": self.rubric, "samples": self.samples, "advantage": "none"}

    def _all_failed(self, groups: list[list[int]], error: GavelError) -> dict[int, Union[GroupResult, GavelError]]:
        """The whole request refused (unreachable, bad input): every group failed, or the error is raised."""
        if self.on_error == "raise":
            raise error
        return {g: error for g in range(len(groups))}

    def _rewards(
        self,
        size: int,
        groups: list[list[int]],
        results: Mapping[int, Union[GroupResult, GavelError]],
        log_metric: Optional[Callable[[str, float], Any]],
    ) -> list[float]:
        rewards = [math.nan] * size
        failed = 0
        for g, indices in enumerate(groups):
            result = results.get(g)
            if not isinstance(result, GroupResult):
                error = result or GavelError(0, "no_answer", f"the service gave no answer for the group of prompt {indices[0]}")
                if self.on_error == "raise":
                    raise error
                failed += 1
                for i in indices:
                    rewards[i] = 0.0 if self.on_error == "zero" else math.nan
                continue
            for i, s in zip(indices, result.scores):
                rewards[i] = s.score
        if log_metric is not None and groups:
            tied = sum(1 for r in results.values() if isinstance(r, GroupResult) and r.zero_variance)
            log_metric(f"{self.__name__}/tied_groups", tied / len(groups))
            log_metric(f"{self.__name__}/failed_groups", failed / len(groups))
        return rewards


class GavelReward(_Rewards):
    """TRL reward function (``prompts, completions, **kwargs -> list[float]``) scoring through
    ``gavel serve``. Arguments: see ``_Rewards``."""

    @functools.cached_property
    def _client(self) -> GavelClient:
        return GavelClient(self.url, self.token, timeout=self.timeout)

    def __call__(self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float]:
        groups, trajectories = group_batch(prompts, completions, kwargs.get("tools"))
        try:
            results = dict(self._client.rank_groups(trajectories, **self._settings()))
        except GavelError as e:
            results = self._all_failed(groups, e)
        return self._rewards(len(prompts), groups, results, kwargs.get("log_metric"))

    def close(self) -> None:
        self._client.close()


class AsyncGavelReward(_Rewards):
    """``GavelReward`` as a coroutine, for TRL versions that await async reward functions (TRL runs
    them on its own event loop, beside other async rewards). The same arguments."""

    async def __call__(self, prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float]:
        groups, trajectories = group_batch(prompts, completions, kwargs.get("tools"))
        results: dict[int, Union[GroupResult, GavelError]] = {}
        try:
            async for index, result in loop_client(self.url, self.token, self.timeout).rank_groups(
                trajectories, **self._settings()
            ):
                results[index] = result
        except GavelError as e:
            results = self._all_failed(groups, e)
        return self._rewards(len(prompts), groups, results, kwargs.get("log_metric"))


__all__ = ["AsyncGavelReward", "GavelReward", "OnError", "group_batch"]
