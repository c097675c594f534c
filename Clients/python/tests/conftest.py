"""Starts the judge simulator and ``gavel serve`` on free loopback ports for the client's tests.

The binaries come from ``$GAVEL_BIN_DIR`` (the Swift tests set it), else the repository's
``.build/debug``. Every process is stopped at the end of the session.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(__file__).resolve().parents[3]
BIN = Path(os.environ.get("GAVEL_BIN_DIR", REPO / ".build" / "debug"))


def gavel_binary() -> str:
    """The ``gavel`` under test: with ``GAVEL_TEST_WHEEL=1``, the one the installed wheel carries
    (and the installed client, not this checkout's); else the build tree's."""
    if os.environ.get("GAVEL_TEST_WHEEL") == "1":
        import gavel_client
        from gavel_client._binary import bundled_binary

        bundled = bundled_binary()
        assert bundled is not None, "GAVEL_TEST_WHEEL=1 but the installed gavel_client carries no binary"
        assert "site-packages" in gavel_client.__file__, f"gavel_client comes from {gavel_client.__file__}, not the wheel"
        return str(bundled)
    return str(BIN / "gavel")


class Started:
    def __init__(self, argv: list[str], pattern: str, log: Path, env: dict[str, str] | None = None):
        self.log = log
        self.handle = open(log, "w")
        self.process = subprocess.Popen(argv, stdout=self.handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            m = re.search(pattern, log.read_text())
            if m:
                self.url = m.group(1)
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{argv[0]} did not start: {log.read_text()}")

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.handle.close()
        return self.process.returncode


@pytest.fixture(scope="session")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="gavel-client-tests-") as d:
        yield Path(d)


@pytest.fixture(scope="session")
def simulator(workdir: Path) -> Iterator[Started]:
    sim = Started([str(BIN / "gavel-judge-sim"), "--port", "0"], r"listening on (http://\S+)", workdir / "sim.log")
    yield sim
    sim.stop()


def start_serve(simulator: Started, workdir: Path, name: str, *extra: str, env: dict[str, str] | None = None) -> Started:
    argv = [
        gavel_binary(), "serve", "--port", "0", "--judge", "openai/sim-judge", "--api-base", simulator.url,
        "--cache-dir", str(workdir / f"cache-{name}"), *extra,
    ]
    return Started(argv, r"listening on (http://127\.0\.0\.1:\d+)", workdir / f"serve-{name}.log", env=env)


@pytest.fixture(scope="session")
def serve(simulator: Started, workdir: Path) -> Iterator[Started]:
    # RULER's own answer format (explanations, number scores), so the ART adapter's results can be
    # compared with ART's ruler_score_group on the same simulator, score for score.
    s = start_serve(simulator, workdir, "main", "--answer", "explained", "--grade", "number")
    yield s
    assert s.stop() == 0, s.log.read_text()
