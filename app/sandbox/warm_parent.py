"""One warm sandbox parent (`python -m app.sandbox.worker`) and its JSON-lines channel.

`SandboxPool` owns a fixed set of these; each one is started, called, killed and restarted
here, and everything it prints to stderr is relayed into the service's JSON logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

_STREAM_LIMIT = 64 * 1024 * 1024  # one JSON line per answer; results are capped at 32 MiB
_START_TIMEOUT_S = 60.0
_QUIET = b'{"op": "quiet"}\n'


class SandboxError(RuntimeError):
    """The pool itself could not start (e.g. a preload module failed to import)."""


_worker_log = logging.getLogger("app.sandbox.worker")


class WarmParent:
    """One warm parent process and its JSON-lines channel."""

    def __init__(self, index: int, argv: list[str], env: dict[str, str]) -> None:
        self.index = index
        self._argv = argv
        self._env = env
        self._proc: asyncio.subprocess.Process | None = None
        self._relay: asyncio.Task[None] | None = None
        self.preload_ms: dict[str, float] = {}
        self.isolation: str | None = None  # from the hello line: namespaces, none or refused
        self.isolation_error: str | None = None
        self._chores = False

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    async def start(self) -> None:
        self._chores = False  # a fresh process has its spare and nothing to tear down
        self._proc = await asyncio.create_subprocess_exec(
            *self._argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._env,
            limit=_STREAM_LIMIT,
            start_new_session=True,  # a terminal's Ctrl-C must not hit warm parents mid-task
        )
        self._relay = asyncio.create_task(self._relay_stderr(self._proc))
        try:
            hello = await asyncio.wait_for(self._read_line(), _START_TIMEOUT_S)
        except (TimeoutError, ConnectionError) as exc:
            await self.kill()
            raise SandboxError(f"sandbox worker {self.index} did not start: {exc!r}") from exc
        if not hello.get("ready"):
            await self.kill()
            raise SandboxError(
                f"sandbox worker {self.index} failed to preload: {hello.get('error')}"
            )
        self.preload_ms = dict(hello.get("preload_ms", {}))
        self.isolation = str(hello.get("isolation") or "refused")
        self.isolation_error = hello.get("isolation_error")

    async def _relay_stderr(self, proc: asyncio.subprocess.Process) -> None:
        """What untrusted code and the framework print goes into our JSON logs, never raw to
        the service's stderr (DEBUG: per-check framework chatter is not service news)."""
        assert proc.stderr is not None
        while line := await proc.stderr.readline():
            text = line.decode("utf-8", "replace").rstrip()
            if text:
                _worker_log.debug(text[:2000], extra={"sandbox_worker": self.index})

    async def _read_line(self) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        line = await self._proc.stdout.readline()
        if not line:
            raise ConnectionError("sandbox worker closed its output")
        answer: dict[str, Any] = json.loads(line)
        return answer

    async def call(self, request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """Send one request and wait for its answer (raises on a dead or hung worker)."""
        assert self._proc is not None and self._proc.stdin is not None
        self._chores = True
        self._proc.stdin.write(json.dumps(request).encode() + b"\n")
        await self._proc.stdin.drain()
        return await asyncio.wait_for(self._read_line(), timeout_s)

    def notify_quiet(self) -> None:
        """Tell an idle parent that no check is running: time for its process chores (tearing
        down its last child, forking the next), if a call since the last notice left any."""
        proc = self._proc
        if not self._chores or proc is None or proc.returncode is not None:
            return
        if proc.stdin is not None and not proc.stdin.is_closing():
            proc.stdin.write(_QUIET)
            self._chores = False

    async def kill(self) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        await proc.wait()
        if proc.stdin is not None:
            proc.stdin.close()

    async def close(self, timeout_s: float = 2.0) -> None:
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        if proc.stdin is not None:
            proc.stdin.close()  # EOF ends the serve loop
        try:
            await asyncio.wait_for(proc.wait(), timeout_s)
        except TimeoutError:
            await self.kill()
