"""Asyncio front end of the sandbox: a pool of warm fork-server parents.

Each worker is a long-lived `python -m app.sandbox.worker` process that imported the
`preload` modules once. `SandboxPool.run()` hands a task to an idle worker through an
asyncio queue and awaits its JSON-line answer; the worker forks a fresh child per task (see
`app.sandbox.worker`). When no task is under way the pool tells the workers it is quiet, the
moment they fork their next children and tear down their last ones. Nothing here blocks the
event loop, and no task outcome is ever raised: timeouts, crashes and exceptions all come back
as a `SandboxResult` with `ok=False`.
"""

from __future__ import annotations

import asyncio
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

from app.sandbox.policy import SandboxPolicy
from app.sandbox.scratch import share_folder
from app.sandbox.warm_parent import SandboxError, WarmParent

__all__ = ["SandboxError", "SandboxPolicy", "SandboxPool", "SandboxResult", "run_once"]

log = logging.getLogger(__name__)

_PROJECT_ROOT = str(Path(__file__).resolve().parent.parent.parent)
_GRACE_S = 5.0  # extra time the warm parent gets to kill a child and answer
_SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "DATABASE_URL")


def _worker_env() -> dict[str, str]:
    """The service's environment minus its settings and anything that looks like a secret:
    the warm parents (and so every sandboxed task) never see them."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CODEGEN_", "PG")) and not any(w in k.upper() for w in _SECRET_WORDS)
    }


@dataclass(frozen=True)
class SandboxResult:
    """Outcome of one sandboxed task."""

    ok: bool
    value: Any
    error: str | None
    timed_out: bool
    duration_ms: float
    refused: bool = False  # the sandbox could not isolate the task, so it did not run it


class SandboxPool:
    """A fixed number of warm fork-server parents; concurrency equals `workers`."""

    def __init__(
        self,
        *,
        preload: Sequence[str],
        workers: int = 2,
        memory_limit_mb: int = 1024,
        python: str = sys.executable,
        policy: SandboxPolicy | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.policy = policy or SandboxPolicy()
        config = {
            "preload": list(preload),
            "memory_limit_mb": memory_limit_mb,
            **self.policy.to_config(),
        }
        env = _worker_env()
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (_PROJECT_ROOT, env.get("PYTHONPATH", "")) if p
        )
        argv = [python, "-m", "app.sandbox.worker", json.dumps(config)]
        self._workers = [WarmParent(i, argv, env) for i in range(workers)]
        self._idle: asyncio.Queue[WarmParent] = asyncio.Queue()
        self._restarts: set[asyncio.Task[None]] = set()
        self._ids = itertools.count(1)
        self._started = False
        self._closed = False
        self.restart_count = 0
        self._busy = 0  # run() calls under way, waiting for a worker included

    @property
    def alive(self) -> bool:
        """True while the pool is open, at least one warm parent is running, and the sandbox
        can isolate (a pool that refuses every task is not a working verifier)."""
        running = self._started and not self._closed and any(w.running for w in self._workers)
        return running and self.isolation != "refused"

    @property
    def size(self) -> int:
        return len(self._workers)

    @property
    def in_use(self) -> int:  # warm parents running a task (the others wait in the idle queue)
        return max(0, min(self.size, self._busy, self.size - self._idle.qsize()))

    @property
    def queued(self) -> int:  # tasks waiting for a warm parent
        return max(0, self._busy - self.in_use)

    @property
    def isolation(self) -> str | None:
        """`namespaces` (isolated), `none` (allowed unisolated), `refused`; None before start."""
        return self._workers[0].isolation

    @property
    def health(self) -> str:
        """`ok` (isolated), `degraded` (running untrusted code unisolated, as allowed), `down`."""
        if not self.alive:
            return "down"
        return "degraded" if self.isolation == "none" else "ok"

    @property
    def status(self) -> str:
        """One line for health: what runs untrusted code, or why nothing does."""
        if not (self._started and not self._closed and any(w.running for w in self._workers)):
            return "sandbox workers not running"
        why = self._workers[0].isolation_error
        if self.isolation == "refused":
            return f"sandbox isolation unavailable, checks refused: {why}"[:300]
        if self.isolation == "none":
            return f"sandbox NOT isolated (allow_unisolated): {why}"[:300]
        return "warm sandbox workers running, isolated"

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
        self._announce()

    def _announce(self) -> None:
        why = self._workers[0].isolation_error
        if self.isolation == "refused":
            log.error(
                "sandbox isolation is unavailable (%s): untrusted code will NOT run and "
                "verification reports every package as refused (verification.allow_unisolated "
                "is false)",
                why,
            )
        elif self.isolation == "none":
            log.warning(
                "SANDBOX NOT ISOLATED: isolation failed (%s) and verification.allow_unisolated "
                "is true, so untrusted code runs with this service's access to files and network",
                why,
            )

    async def run(
        self, task: str, payload: dict[str, Any], *, timeout_s: float, cwd: str | None = None
    ) -> SandboxResult:
        """Run `task` ("module:function") on `payload` in a forked child of a warm parent."""
        if not self._started or self._closed:
            raise SandboxError("sandbox pool is not running")
        started = time.perf_counter()
        if cwd:
            share_folder(cwd)
        request = {
            "id": next(self._ids),
            "task": task,
            "payload": payload,
            "timeout_s": timeout_s,
            "cwd": cwd,
        }
        self._busy += 1
        try:
            return await self._run_on_worker(request, timeout_s, started)
        finally:
            self._busy -= 1
            if not self._busy:  # quiet: the parents fork their next children now
                for worker in self._workers:
                    worker.notify_quiet()

    async def _run_on_worker(
        self, request: dict[str, Any], timeout_s: float, started: float
    ) -> SandboxResult:
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
            refused=bool(answer.get("refused")),
        )

    def _schedule_restart(self, worker: WarmParent) -> None:
        task = asyncio.get_running_loop().create_task(self._restart(worker))
        self._restarts.add(task)
        task.add_done_callback(self._restarts.discard)

    async def _restart(self, worker: WarmParent) -> None:
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
    policy: SandboxPolicy | None = None,
) -> SandboxResult:
    """Synchronous helper for CLI scripts: one throwaway single-worker pool, one task."""

    async def _go() -> SandboxResult:
        async with SandboxPool(
            preload=preload,
            workers=1,
            memory_limit_mb=memory_limit_mb,
            policy=policy,
        ) as pool:
            return await pool.run(task, payload, timeout_s=timeout_s, cwd=cwd)

    return asyncio.run(_go())
