"""Synchronous and asynchronous clients for `gavel serve`'s HTTP API."""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping, Optional, Sequence, Union

import httpx

#: A trajectory as the service takes it: ART's ``{"messages_and_choices": [...], "tools"?: [...]}``,
#: OpenAI chat's ``{"messages": [...]}``, a bare list of chat messages, or an ``art.Trajectory``.
TrajectoryLike = Union[Mapping[str, Any], Sequence[Mapping[str, Any]], Any]

DEFAULT_URL = "http://127.0.0.1:8080"


@dataclass(frozen=True)
class GroupScore:
    """One trajectory's result, in the order the trajectories were given."""

    score: float
    rank: int
    #: None when the service was asked for ``advantage="none"``.
    advantage: Optional[float]
    explanation: str
    #: The spread over samples, when the group was judged more than once.
    score_spread: Optional[float] = None


@dataclass(frozen=True)
class GroupResult:
    """A whole group's answer: the scores and what the service says about the group."""

    scores: list[GroupScore]
    zero_variance: bool
    cached: bool
    judge: str
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def from_json(cls, o: Mapping[str, Any]) -> "GroupResult":
        return cls(
            scores=[
                GroupScore(
                    score=float(s["score"]),
                    rank=int(s["rank"]),
                    advantage=None if s.get("advantage") is None else float(s["advantage"]),
                    explanation=str(s.get("explanation", "")),
                    score_spread=None if s.get("score_spread") is None else float(s["score_spread"]),
                )
                for s in o["scores"]
            ],
            zero_variance=bool(o.get("zero_variance", False)),
            cached=bool(o.get("cached", False)),
            judge=str(o.get("judge", "")),
            raw=dict(o),
        )


class GavelError(Exception):
    """An error answer of the service (or no answer): HTTP status, its stable ``code``
    (``empty_group``, ``queue_full``, ``judge_failed``, ...), the message and, for bad input,
    the JSON path of the problem."""

    def __init__(self, status: int, code: str, message: str, path: Optional[str] = None):
        super().__init__(f"{code}: {message}" + (f" at {path}" if path else "") + f" (HTTP {status})")
        self.status = status
        self.code = code
        self.message = message
        self.path = path

    @classmethod
    def from_response(cls, response: httpx.Response) -> "GavelError":
        try:
            e = response.json()["error"]
            return cls(response.status_code, str(e["code"]), str(e["message"]), e.get("path"))
        except Exception:  # not the service's JSON (a proxy's page, say)
            return cls(response.status_code, "http_error", response.text[:500])


def trajectory_payload(t: TrajectoryLike) -> dict[str, Any]:
    """The JSON the service takes for one trajectory."""
    if hasattr(t, "messages_and_choices"):  # art.Trajectory, without importing ART
        out: dict[str, Any] = {"messages_and_choices": [_message_dict(m) for m in getattr(t, "messages_and_choices")]}
        tools = getattr(t, "tools", None)
        if tools:
            out["tools"] = list(tools)
        return out
    if isinstance(t, Mapping):
        if "messages_and_choices" in t or "messages" in t:
            return dict(t)
        raise TypeError("a trajectory needs \"messages_and_choices\" (ART) or \"messages\" (OpenAI chat)")
    if isinstance(t, Sequence) and not isinstance(t, (str, bytes)):
        return {"messages": [_message_dict(m) for m in t]}
    raise TypeError(f"cannot send a {type(t).__name__} as a trajectory")


def _message_dict(m: Any) -> Any:
    """A chat message or an OpenAI Choice as JSON (as ART's own JSONL logs write it, logprobs dropped)."""
    if isinstance(m, Mapping):
        d = dict(m)
    elif hasattr(m, "to_dict"):
        d = m.to_dict()
    elif hasattr(m, "model_dump"):
        d = m.model_dump(mode="json", exclude_none=True)
    else:
        raise TypeError(f"cannot send a {type(m).__name__} as a message")
    d.pop("logprobs", None)
    return d


def _group_body(
    trajectories: Iterable[TrajectoryLike], rubric: Optional[str], samples: Optional[int], advantage: Optional[str]
) -> dict[str, Any]:
    body: dict[str, Any] = {"trajectories": [trajectory_payload(t) for t in trajectories]}
    if rubric is not None:
        body["rubric"] = rubric
    if samples is not None:
        body["samples"] = samples
    if advantage is not None:
        body["advantage"] = advantage
    return body


def _headers(token: Optional[str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _settle(response: httpx.Response, attempt: int, max_retries: int) -> Optional[float]:
    """How long to wait before trying again (a full queue, retries left), or None for a final
    answer; an error answer raises ``GavelError``."""
    if response.status_code == 429 and attempt < max_retries:
        return _retry_delay(response, attempt)
    if response.status_code != 200:
        raise GavelError.from_response(response)
    return None


def _many_body(groups: Iterable[Iterable[TrajectoryLike]], settings: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"groups": [_group_body(g, None, None, None) for g in groups], "stream": True}
    body.update({k: v for k, v in settings.items() if v is not None})
    return body


def _retry_delay(response: httpx.Response, attempt: int) -> float:
    try:
        return max(0.05, float(response.headers.get("retry-after", "")))
    except ValueError:
        return min(5.0, 0.25 * (1 << attempt))


class GavelClient:
    """A blocking client. ``token`` is the service's bearer token (``gavel serve --auth-token-env``).

    A full queue (429) is retried after the service's ``Retry-After``, up to ``max_retries`` times;
    every other error raises ``GavelError``. ``sleep`` waits between retries (``time.sleep``; a test
    passes a recorder).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        token: Optional[str] = None,
        *,
        timeout: float = 600.0,
        max_retries: int = 5,
        http_client: Optional[httpx.Client] = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self._client = http_client or httpx.Client(timeout=timeout, headers=_headers(token))
        self._sleep = sleep

    def __enter__(self) -> "GavelClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def _post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        for attempt in range(self.max_retries + 1):
            try:
                response = self._client.post(self.base_url + path, json=body)
            except httpx.HTTPError as e:
                raise GavelError(0, "unreachable", f"cannot reach gavel serve at {self.base_url}: {e}") from e
            delay = _settle(response, attempt, self.max_retries)
            if delay is None:
                return response
            self._sleep(delay)
        raise AssertionError("unreachable")

    def rank_group(
        self,
        trajectories: Iterable[TrajectoryLike],
        *,
        rubric: Optional[str] = None,
        samples: Optional[int] = None,
        advantage: Optional[str] = None,
    ) -> GroupResult:
        """Ranks one group; the whole answer (scores, zero_variance, cached, judge)."""
        return GroupResult.from_json(self._post("/v1/rank", _group_body(trajectories, rubric, samples, advantage)).json())

    def score_group(self, trajectories: Iterable[TrajectoryLike], **settings: Any) -> list[GroupScore]:
        """Ranks one group; one ``GroupScore`` per trajectory, in the order given."""
        return self.rank_group(trajectories, **settings).scores

    def rank_groups(
        self, groups: Iterable[Iterable[TrajectoryLike]], **settings: Any
    ) -> Iterator[tuple[int, Union[GroupResult, GavelError]]]:
        """Ranks several groups in one request, yielding ``(index, result or error)`` as each finishes."""
        body = _many_body(groups, settings)
        try:
            with self._client.stream("POST", self.base_url + "/v1/rank/many", json=body) as response:
                if response.status_code != 200:
                    response.read()
                    raise GavelError.from_response(response)
                for line in response.iter_lines():
                    if line.strip():
                        yield _many_item(json.loads(line))
        except httpx.HTTPError as e:
            raise GavelError(0, "unreachable", f"cannot reach gavel serve at {self.base_url}: {e}") from e

    def health(self) -> dict[str, Any]:
        response = self._client.get(self.base_url + "/healthz")
        if response.status_code != 200:
            raise GavelError.from_response(response)
        health: dict[str, Any] = response.json()
        return health


class AsyncGavelClient:
    """The asyncio client, for rollout loops: the same calls as ``GavelClient``, awaited."""

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        token: Optional[str] = None,
        *,
        timeout: float = 600.0,
        max_retries: int = 5,
        http_client: Optional[httpx.AsyncClient] = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self._client = http_client or httpx.AsyncClient(timeout=timeout, headers=_headers(token))
        self._sleep = sleep

    async def __aenter__(self) -> "AsyncGavelClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        for attempt in range(self.max_retries + 1):
            try:
                response = await self._client.post(self.base_url + path, json=body)
            except httpx.HTTPError as e:
                raise GavelError(0, "unreachable", f"cannot reach gavel serve at {self.base_url}: {e}") from e
            delay = _settle(response, attempt, self.max_retries)
            if delay is None:
                return response
            await self._sleep(delay)
        raise AssertionError("unreachable")

    async def rank_group(
        self,
        trajectories: Iterable[TrajectoryLike],
        *,
        rubric: Optional[str] = None,
        samples: Optional[int] = None,
        advantage: Optional[str] = None,
    ) -> GroupResult:
        response = await self._post("/v1/rank", _group_body(trajectories, rubric, samples, advantage))
        return GroupResult.from_json(response.json())

    async def score_group(self, trajectories: Iterable[TrajectoryLike], **settings: Any) -> list[GroupScore]:
        return (await self.rank_group(trajectories, **settings)).scores

    async def rank_groups(
        self, groups: Iterable[Iterable[TrajectoryLike]], **settings: Any
    ) -> AsyncIterator[tuple[int, Union[GroupResult, GavelError]]]:
        body = _many_body(groups, settings)
        try:
            async with self._client.stream("POST", self.base_url + "/v1/rank/many", json=body) as response:
                if response.status_code != 200:
                    await response.aread()
                    raise GavelError.from_response(response)
                async for line in response.aiter_lines():
                    if line.strip():
                        yield _many_item(json.loads(line))
        except httpx.HTTPError as e:
            raise GavelError(0, "unreachable", f"cannot reach gavel serve at {self.base_url}: {e}") from e

    async def health(self) -> dict[str, Any]:
        response = await self._client.get(self.base_url + "/healthz")
        if response.status_code != 200:
            raise GavelError.from_response(response)
        health: dict[str, Any] = response.json()
        return health


def _many_item(o: Mapping[str, Any]) -> tuple[int, Union[GroupResult, GavelError]]:
    index = int(o["index"])
    if "error" in o:
        e = o["error"]
        status = {"judge_failed": 502, "judge_timeout": 504}.get(e.get("code"), 400)
        return index, GavelError(status, str(e["code"]), str(e["message"]), e.get("path"))
    return index, GroupResult.from_json(o)


_loop_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, Optional[str], float], AsyncGavelClient]]" = (
    weakref.WeakKeyDictionary()
)


def loop_client(base_url: str, token: Optional[str] = None, timeout: float = 600.0) -> AsyncGavelClient:
    """One ``AsyncGavelClient`` (one connection pool) per service and running event loop: an httpx
    client belongs to the loop it was made on, and adapters are called from whichever loop runs them."""
    per_loop = _loop_clients.setdefault(asyncio.get_running_loop(), {})
    key = (base_url, token, timeout)
    if key not in per_loop:
        per_loop[key] = AsyncGavelClient(base_url, token, timeout=timeout)
    return per_loop[key]
