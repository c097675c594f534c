"""``gavel serve`` started and stopped by this Python process: no server to run by hand.

    from gavel_client import LocalGavel
    with LocalGavel(judge="openai/gpt-4.1-mini") as gavel:
        scores = gavel.score_group(trajectories)

and in asyncio code ``async with AsyncLocalGavel(judge=...) as gavel: await gavel.score_group(...)``.

The service listens on a free loopback port; it is stopped with SIGTERM (answers in flight finish,
the cache is written) when the block ends or ``close()`` is called. It is started with a pipe on its
standard input and ``--stop-when-stdin-closes``: if this Python process dies, even by SIGKILL, the
kernel closes the pipe and the service stops on its own — it never lingers.
"""

from __future__ import annotations

import asyncio
import collections
import os
import re
import signal
import subprocess
import threading
import time
from typing import Any, Mapping, Optional, Sequence

import httpx

from ._binary import gavel_binary
from .client import AsyncGavelClient, GavelClient, GavelError

_LISTENING = re.compile(r"listening on (http://\S+)")


def serve_arguments(
    judge: Optional[str],
    *,
    api_base: Optional[str] = None,
    api_key_env: Optional[str] = None,
    rubric: Optional[str] = None,
    cache_dir: Optional[str] = None,
    cache_url: Optional[str] = None,
    concurrency: Optional[int] = None,
    args: Sequence[str] = (),
) -> list[str]:
    """``gavel serve``'s arguments for these settings (after the binary); ``args`` are passed as given."""
    argv = ["serve", "--host", "127.0.0.1", "--port", "0", "--stop-when-stdin-closes"]
    for flag, value in (
        ("--judge", judge),
        ("--api-base", api_base),
        ("--api-key-env", api_key_env),
        ("--rubric", rubric),
        ("--cache-dir", cache_dir),
        ("--cache-url", cache_url),
        ("--concurrency", None if concurrency is None else str(concurrency)),
    ):
        if value is not None:
            argv += [flag, str(value)]
    return argv + [str(a) for a in args]


class _ServeProcess:
    """One ``gavel serve`` child: started, watched until it listens and answers ``/healthz``, stopped."""

    def __init__(self, argv: list[str], env: Optional[Mapping[str, str]], startup_timeout: float, stop_timeout: float):
        self.argv = argv
        self.env = None if env is None else {**os.environ, **env}
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.process: Optional[subprocess.Popen[bytes]] = None
        self.url: Optional[str] = None
        #: The service's last lines on standard error, for error messages.
        self.log: collections.deque[str] = collections.deque(maxlen=200)
        self._listening = threading.Event()
        self._reader: Optional[threading.Thread] = None

    def start(self) -> str:
        if self.url is not None:
            return self.url
        self.process = subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,  # the lifeline: closed when this process exits, however it exits
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=self.env,
            start_new_session=True,  # a Ctrl-C in the terminal reaches Python, which stops the service in order
        )
        reader = threading.Thread(target=self._drain, name="gavel-serve-log", daemon=True)
        reader.start()
        self._reader = reader
        deadline = time.monotonic() + self.startup_timeout
        while not self._listening.wait(0.05):
            exited = self.process.poll() is not None
            if exited or time.monotonic() > deadline:
                self.stop()  # and its last words, read to the end of the pipe
                what = f"exited with status {self.process.returncode}" if exited else "did not start in time"
                raise GavelError(0, "start_failed", f"gavel serve {what}: " + " | ".join(list(self.log)[-8:]))
        assert self.url is not None
        while True:  # listening; the routes answer as soon as the server runs, checked once to be sure
            try:
                if httpx.get(self.url + "/healthz", timeout=5).status_code == 200:
                    return self.url
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise GavelError(0, "start_failed", "gavel serve never answered /healthz: " + " | ".join(list(self.log)[-8:]))
            time.sleep(0.05)

    def _drain(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        for raw in self.process.stderr:  # read to the end, so the service never blocks on a full pipe
            line = raw.decode("utf-8", "replace").rstrip()
            self.log.append(line)
            if self.url is None:
                m = _LISTENING.search(line)
                if m:
                    self.url = m.group(1)
                    self._listening.set()

    def stop(self) -> Optional[int]:
        """SIGTERM, then up to ``stop_timeout`` seconds for the answers in flight, then SIGKILL."""
        p = self.process
        if p is None:
            return None
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p.stdin is not None:
            p.stdin.close()
        if self._reader is not None:
            self._reader.join(timeout=5)  # the log to its last line ("stopped")
        return p.returncode

    @property
    def pid(self) -> Optional[int]:
        return None if self.process is None else self.process.pid


class _LocalService:
    """What LocalGavel and AsyncLocalGavel share: the settings, turned into one ``gavel serve`` child.

    ``judge`` is ``provider/model`` as ``gavel serve --judge`` takes it; ``api_base``, ``rubric``,
    ``cache_dir``, ``cache_url``, ``concurrency`` map to the flags of the same names; ``args`` are
    further flags as strings (``["--samples", "3"]``); ``env`` adds environment variables (the
    judge's API key, say, named by ``api_key_env``). ``binary`` is the ``gavel`` to run (default:
    ``$GAVEL_BINARY``, else the one the wheel installed). Other keywords go to the client.
    """

    _serve: _ServeProcess

    def __init__(
        self,
        judge: Optional[str] = None,
        *,
        api_base: Optional[str] = None,
        api_key_env: Optional[str] = None,
        rubric: Optional[str] = None,
        cache_dir: Optional[str] = None,
        cache_url: Optional[str] = None,
        concurrency: Optional[int] = None,
        args: Sequence[str] = (),
        env: Optional[Mapping[str, str]] = None,
        binary: Optional[str] = None,
        startup_timeout: float = 60.0,
        stop_timeout: float = 30.0,
        **client_options: Any,
    ):
        argv = [gavel_binary(binary)] + serve_arguments(
            judge, api_base=api_base, api_key_env=api_key_env, rubric=rubric, cache_dir=cache_dir,
            cache_url=cache_url, concurrency=concurrency, args=args,
        )
        self._serve = _ServeProcess(argv, env, startup_timeout, stop_timeout)
        self._connect(client_options)

    def _connect(self, client_options: dict[str, Any]) -> None:
        raise NotImplementedError

    @property
    def pid(self) -> Optional[int]:
        """The service's process id."""
        return self._serve.pid

    @property
    def log(self) -> list[str]:
        """The service's last lines on standard error."""
        return list(self._serve.log)


class LocalGavel(_LocalService, GavelClient):
    """A ``GavelClient`` for a ``gavel serve`` this object starts at once and stops on ``close()`` /
    the end of its ``with`` block. Arguments: see ``_LocalService``."""

    def _connect(self, client_options: dict[str, Any]) -> None:
        url = self._serve.start()
        try:
            GavelClient.__init__(self, url, **client_options)
        except BaseException:
            self._serve.stop()
            raise

    def close(self) -> None:
        """Stops the service (SIGTERM; in-flight answers finish) and closes the connections."""
        try:
            super().close()
        finally:
            self._serve.stop()


class AsyncLocalGavel(_LocalService, AsyncGavelClient):
    """``LocalGavel`` for asyncio: an ``AsyncGavelClient`` whose service starts at ``async with``
    (or ``await start()``, or the first request) and stops at its end (or ``await aclose()``)."""

    def _connect(self, client_options: dict[str, Any]) -> None:
        AsyncGavelClient.__init__(self, "http://127.0.0.1:0", **client_options)  # the real address once started

    async def start(self) -> "AsyncLocalGavel":
        """Starts the service (once) and waits until it answers."""
        self.base_url = await asyncio.to_thread(self._serve.start)
        return self

    async def __aenter__(self) -> "AsyncLocalGavel":
        return await self.start()

    async def _post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        if self._serve.url is None:
            await self.start()
        return await super()._post(path, body)

    async def rank_groups(self, groups: Any, **settings: Any) -> Any:
        if self._serve.url is None:
            await self.start()
        async for item in super().rank_groups(groups, **settings):
            yield item

    async def aclose(self) -> None:
        try:
            await super().aclose()
        finally:
            await asyncio.to_thread(self._serve.stop)
