"""Asyncio front end of the sandbox: a pool of warm fork-server parents.

Each worker is a long-lived `python -m app.sandbox.worker` process that imported the
`preload` modules once. `SandboxPool.run()` hands a task to an idle worker through an
asyncio queue and awaits its JSON-line answer; the worker forks a fresh child per task (see
`app.sandbox.worker`). Nothing here blocks the event loop, and no task outcome is ever
raised: timeouts, crashes and exceptions all come back as a `SandboxResult` with `ok=False`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_PROJECT_ROOT = str(Path(__file__).resolve().parent.parent.parent)
_STREAM_LIMIT = 64 * 1024 * 1024  # one JSON line per answer; results are capped at 32 MiB
_GRACE_S = 5.0  # extra time the warm parent gets to kill a child and answer
_START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class SandboxResult:
    """Outcome of one sandboxed task."""

    ok: bool
    value: Any
    error: str | None
    timed_out: bool
    duration_ms: float


class SandboxError(RuntimeError):
    """The pool itself could not start (e.g. a preload module failed to import)."""


_worker_log = logging.getLogger("app.sandbox.worker")


class _Worker:
    """One warm parent process and its JSON-lines channel."""

    def __init__(self, index: int, argv: list[str], env: dict[str, str]) -> None:
        self.index = index
        self._argv = argv
        self._env = env
        self._proc: asyncio.subprocess.Process | None = None
        self._relay: asyncio.Task[None] | None = None
        self.preload_ms: dict[str, float] = {}

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    async def start(self) -> None:
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
        self._proc.stdin.write(json.dumps(request).encode() + b"\n")
        await self._proc.stdin.drain()
        return await asyncio.wait_for(self._read_line(), timeout_s)

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


class SandboxPool:
    """A fixed number of warm fork-server parents; concurrency equals `workers`."""

    def __init__(
        self,
        *,
        preload: Sequence[str],
        workers: int = 2,
        memory_limit_mb: int = 1024,
        python: str = sys.executable,
        isolate_network: bool = True,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        config = {
            "preload": list(preload),
            "memory_limit_mb": memory_limit_mb,
            "isolate_network": isolate_network,
        }
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (_PROJECT_ROOT, env.get("PYTHONPATH", "")) if p
        )
        argv = [python, "-m", "app.sandbox.worker", json.dumps(config)]
        self._workers = [_Worker(i, argv, env) for i in range(workers)]
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._restarts: set[asyncio.Task[None]] = set()
        self._ids = itertools.count(1)
        self._started = False
        self._closed = False
        self.restart_count = 0

    @property
    def alive(self) -> bool:
        """True while the pool is open and at least one warm parent is running."""
        return self._started and not self._closed and any(w.running for w in self._workers)

    @property
    def preload_ms(self) -> dict[str, float]:
        """Import cost of each preload entry in the first worker (for logs and reports)."""
        return self._workers[0].preload_ms

    @property
    def worker_pids(self) -> list[int | None]:
        return [w.pid for w in self._workers]

    async def start(self) -> None:
        if self._started:
            return
        try:
            await asyncio.gather(*(w.start() for w in self._workers))
        except BaseException:
            await asyncio.gather(*(w.kill() for w in self._workers), return_exceptions=True)
            raise
        for worker in self._workers:
            self._idle.put_nowait(worker)
        self._started = True

    async def run(
        self, task: str, payload: dict[str, Any], *, timeout_s: float, cwd: str | None = None
    ) -> SandboxResult:
        """Run `task` ("module:function") on `payload` in a forked child of a warm parent."""
        if not self._started or self._closed:
            raise SandboxError("sandbox pool is not running")
        started = time.perf_counter()
        request = {
            "id": next(self._ids),
            "task": task,
            "payload": payload,
            "timeout_s": timeout_s,
            "cwd": cwd,
        }
        worker = await self._idle.get()
        healthy = False
        try:
            if not worker.running:  # died while idle (OOM killer, external kill): replace it now
                log.warning("sandbox worker %d found dead; restarting", worker.index)
                await worker.kill()
                await worker.start()
                self.restart_count += 1
            answer = await worker.call(request, timeout_s + _GRACE_S)
            healthy = True
        except (TimeoutError, ConnectionError, ValueError, SandboxError) as exc:
            detail = "hung" if isinstance(exc, TimeoutError) else "died"
            return SandboxResult(
                ok=False,
                value=None,
                error=f"SandboxError: warm parent {worker.index} {detail} ({exc!r}); restarting it",
                timed_out=isinstance(exc, TimeoutError),
                duration_ms=(time.perf_counter() - started) * 1000.0,
            )
        finally:
            if healthy:
                self._idle.put_nowait(worker)
            else:  # also on cancellation: the channel state is unknown, so replace the process
                self._schedule_restart(worker)
        return SandboxResult(
            ok=bool(answer["ok"]),
            value=answer.get("value"),
            error=answer.get("error"),
            timed_out=bool(answer.get("timed_out")),
            duration_ms=float(answer.get("duration_ms", 0.0)),
        )

    def _schedule_restart(self, worker: _Worker) -> None:
        task = asyncio.get_running_loop().create_task(self._restart(worker))
        self._restarts.add(task)
        task.add_done_callback(self._restarts.discard)

    async def _restart(self, worker: _Worker) -> None:
        await worker.kill()
        if self._closed:
            return
        delay = 0.1
        while not self._closed:
            try:
                await worker.start()
            except SandboxError:
                log.exception("sandbox worker %d failed to restart", worker.index)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            self.restart_count += 1
            log.warning("sandbox worker %d restarted (pid %s)", worker.index, worker.pid)
            self._idle.put_nowait(worker)
            return

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for task in list(self._restarts):
            task.cancel()
        await asyncio.gather(*self._restarts, return_exceptions=True)
        await asyncio.gather(*(w.close() for w in self._workers), return_exceptions=True)

    async def __aenter__(self) -> SandboxPool:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


def run_once(
    task: str,
    payload: dict[str, Any],
    *,
    timeout_s: float,
    preload: Sequence[str] = (),
    cwd: str | None = None,
    memory_limit_mb: int = 1024,
    isolate_network: bool = True,
) -> SandboxResult:
    """Synchronous helper for CLI scripts: one throwaway single-worker pool, one task."""

    async def _go() -> SandboxResult:
        async with SandboxPool(
            preload=preload,
            workers=1,
            memory_limit_mb=memory_limit_mb,
            isolate_network=isolate_network,
        ) as pool:
            return await pool.run(task, payload, timeout_s=timeout_s, cwd=cwd)

    return asyncio.run(_go())
