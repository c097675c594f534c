"""LocalGavel: a service this process starts, uses and stops — and one that never outlives it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from gavel_client import AsyncLocalGavel, GavelError, LocalGavel

from conftest import gavel_binary
from test_client import variant


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return not alive(pid)


def test_local_gavel_scores_and_leaves_no_process(simulator, workdir):
    with LocalGavel(
        judge="openai/sim-judge", api_base=simulator.url, cache_dir=str(workdir / "cache-local"), binary=gavel_binary()
    ) as gavel:
        pid = gavel.pid
        assert pid is not None and alive(pid)
        assert gavel.health()["status"] == "ok"
        scores = gavel.score_group(variant("local"))
        assert len(scores) == len(variant("local"))
        again = gavel.rank_group(variant("local"))
        assert again.cached
    # SIGTERM at the block's end: the service finished in order (it says so) and is gone.
    assert not alive(pid)
    assert any("gavel serve: stopped" in line for line in gavel.log), gavel.log


def test_async_local_gavel(simulator, workdir):
    async def main() -> tuple[int, int]:
        async with AsyncLocalGavel(
            judge="openai/sim-judge", api_base=simulator.url, cache_dir=str(workdir / "cache-local-async"),
            binary=gavel_binary(),
        ) as gavel:
            assert gavel.pid is not None
            scores = await gavel.score_group(variant("local-async"))
            return gavel.pid, len(scores)

    pid, n = asyncio.run(main())
    assert n == len(variant("local-async"))
    assert not alive(pid)


def test_a_service_that_cannot_start_is_an_error_with_its_words(workdir):
    with pytest.raises(GavelError) as e:
        LocalGavel(judge="no-such-provider-format", binary=gavel_binary(), cache_dir=str(workdir / "cache-bad"))
    assert e.value.code == "start_failed"
    assert "judge" in e.value.message.lower(), e.value.message


def test_the_service_stops_when_its_python_process_is_killed(simulator, workdir):
    # A child Python starts LocalGavel, reports the service's pid and waits; SIGKILL to the child
    # leaves no one to send SIGTERM: the closed standard-input pipe must stop the service.
    script = textwrap.dedent(
        f"""
        import sys, time
        from gavel_client import LocalGavel
        g = LocalGavel(judge="openai/sim-judge", api_base={simulator.url!r}, cache_dir={str(workdir / "cache-orphan")!r},
                       binary={gavel_binary()!r})
        print(g.pid, flush=True)
        time.sleep(600)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        pid = int(child.stdout.readline())
        assert alive(pid)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        assert wait_gone(pid, 10), f"gavel serve {pid} outlived its killed parent"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_no_binary_is_a_clear_error(monkeypatch):
    from gavel_client import _binary

    monkeypatch.setattr(_binary, "_BUNDLED", Path("/nonexistent/gavel"))
    monkeypatch.delenv("GAVEL_BINARY", raising=False)
    with pytest.raises(FileNotFoundError, match="Scripts/build-wheel"):
        LocalGavel(judge="openai/sim-judge")
