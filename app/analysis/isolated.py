"""Analysis where a runaway can be stopped: a small pool of worker processes, a hard time budget.

Analysis is pure CPU work in Python (regexes included): in a thread of the service it would hold
the interpreter, so one pathological PRD could freeze every other request and the liveness
probe with it. In a worker process it only ever costs that worker, and a worker that overruns
its budget is killed (pebble's ProcessPool does the killing and replaces the worker, which is
why it is used rather than `concurrent.futures`, whose pool cannot stop a running task).

Workers are spawned (not forked: the service has threads) with the first analysis, which
`app.generation.runtime` runs at startup.
"""

import asyncio
import multiprocessing
from collections.abc import Mapping
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Protocol

import anyio
from pebble import ProcessExpired, ProcessPool

from app.analysis.errors import AnalysisTooComplex
from app.analysis.plan import Plan
from app.analysis.service import analyse


class Analyser(Protocol):
    async def analyse(
        self, prd: str, *, project_name: str | None, thresholds: Mapping[str, float] | None = None
    ) -> Plan: ...

    def close(self) -> None: ...


class InlineAnalyser:
    """In a worker thread of this process: for tools, benchmarks and tests of other layers."""

    async def analyse(
        self, prd: str, *, project_name: str | None, thresholds: Mapping[str, float] | None = None
    ) -> Plan:
        return await anyio.to_thread.run_sync(
            lambda: analyse(prd, project_name=project_name, thresholds=thresholds)
        )

    def close(self) -> None:
        return None


def _warm_up() -> None:
    analyse("# Warm-up\n\n- The service shall store an order.\n")


class IsolatedAnalyser:
    """Analyses in `workers` spawned processes; one that runs past `budget_s` is killed."""

    def __init__(self, *, workers: int, budget_s: float) -> None:
        self.budget_s = budget_s
        self._pool = ProcessPool(
            max_workers=workers,
            context=multiprocessing.get_context("spawn"),
            initializer=_warm_up,
        )

    async def analyse(
        self, prd: str, *, project_name: str | None, thresholds: Mapping[str, float] | None = None
    ) -> Plan:
        future = self._pool.schedule(
            analyse,
            args=(prd,),
            kwargs={"project_name": project_name, "thresholds": dict(thresholds or {})},
            timeout=self.budget_s,
        )
        try:
            plan: Plan = await asyncio.wrap_future(future)
        except FutureTimeout as exc:
            raise AnalysisTooComplex(self.budget_s) from exc
        except ProcessExpired as exc:  # the worker died (out of memory, killed): the PRD's cost
            raise AnalysisTooComplex(self.budget_s, died=exc.exitcode) from exc
        return plan

    def close(self) -> None:
        self._pool.stop()  # type: ignore[no-untyped-call]
        self._pool.join(timeout=5)
