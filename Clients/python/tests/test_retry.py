"""The clients' retry of a full queue (429 + Retry-After), on httpx.MockTransport: no sockets, no sleeps."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from gavel_client import AsyncGavelClient, GavelClient, GavelError

GROUP = [{"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}]
ANSWER = {"scores": [{"score": 1.0, "rank": 1, "advantage": 0.0, "explanation": ""}], "judge": "openai/sim"}
FULL = {"error": {"code": "queue_full", "message": "the queue is full; retry later"}}


def service(statuses: list[tuple[int, dict[str, str]]], seen: list[httpx.Request]):
    """A handler answering each request with the next (status, headers); 200 answers carry ANSWER."""

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status, headers = statuses[min(len(seen), len(statuses)) - 1]
        return httpx.Response(status, headers=headers, json=ANSWER if status == 200 else FULL)

    return handle


def test_429_is_retried_after_retry_after_then_answered():
    seen: list[httpx.Request] = []
    waits: list[float] = []
    handler = service([(429, {"Retry-After": "2"}), (429, {"Retry-After": "0.5"}), (200, {})], seen)
    client = GavelClient("http://gavel.test", http_client=httpx.Client(transport=httpx.MockTransport(handler)), sleep=waits.append)
    result = client.rank_group(GROUP)
    assert [r.url.path for r in seen] == ["/v1/rank"] * 3
    assert all(json.loads(r.content)["trajectories"] == GROUP for r in seen), "every retry sends the same group"
    assert waits == [2.0, 0.5]
    assert result.scores[0].rank == 1 and result.judge == "openai/sim"


def test_429_without_retry_after_backs_off_and_gives_up_after_max_retries():
    seen: list[httpx.Request] = []
    waits: list[float] = []
    handler = service([(429, {})], seen)
    client = GavelClient(
        "http://gavel.test", http_client=httpx.Client(transport=httpx.MockTransport(handler)), max_retries=3, sleep=waits.append
    )
    with pytest.raises(GavelError) as raised:
        client.rank_group(GROUP)
    assert raised.value.status == 429 and raised.value.code == "queue_full"
    assert len(seen) == 4, "one try and max_retries retries"
    assert waits == [0.25, 0.5, 1.0]


def test_other_errors_are_not_retried():
    seen: list[httpx.Request] = []
    handler = service([(503, {"Retry-After": "1"})], seen)
    client = GavelClient("http://gavel.test", http_client=httpx.Client(transport=httpx.MockTransport(handler)), sleep=lambda _: None)
    with pytest.raises(GavelError) as raised:
        client.rank_group(GROUP)
    assert raised.value.status == 503 and len(seen) == 1


def test_async_client_retries_the_same_way():
    seen: list[httpx.Request] = []
    waits: list[float] = []

    async def record(delay: float) -> None:
        waits.append(delay)

    handler = service([(429, {"Retry-After": "3"}), (200, {})], seen)

    async def main() -> None:
        async with AsyncGavelClient(
            "http://gavel.test", http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)), sleep=record
        ) as client:
            result = await client.rank_group(GROUP)
            assert result.scores[0].score == 1.0

    asyncio.run(main())
    assert len(seen) == 2 and waits == [3.0]
