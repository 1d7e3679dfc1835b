"""Pattern precision and recall on /metrics, recomputed from the database (all time).

A background task refreshes the gauges every `feedback.metrics_refresh_s`, and soon after this
process records feedback or tunes: call `request_refresh()` (cheap, never waits). Labels are
bounded by the closed pattern vocabulary (`app.analysis.patterns.all_patterns()`), the four
verdicts and the two sources. Precision and recall are the weighted figures (NaN when undefined).
"""

import asyncio
import contextlib
import logging
import math

from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.analysis.patterns import all_patterns
from app.feedback.queries import source_counts, verdict_groups
from app.feedback.scoring import score

log = logging.getLogger(__name__)

PRECISION = Gauge(
    "codegen_pattern_precision",
    "Weighted precision of a pattern's detections from feedback, all time (NaN: no data).",
    ["pattern"],
)
RECALL = Gauge(
    "codegen_pattern_recall",
    "Weighted recall of a pattern's detections from feedback, all time (NaN: no data).",
    ["pattern"],
)
FEEDBACK = Gauge(
    "codegen_pattern_feedback_total",
    "Verdicts recorded on a pattern, by verdict and source, all time (a count read from the "
    "database: every replica reports the same total).",
    ["pattern", "verdict", "source"],
)


_exported: set[tuple[str, str, str]] = set()  # feedback_total label sets ever set


async def refresh_gauges(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session:
        groups = await verdict_groups(session)
        counts = await source_counts(session)
    metrics = score(groups)
    known = all_patterns()
    for pattern in sorted(known):
        figures = metrics[pattern].weighted_figures if pattern in metrics else None
        precision = figures.precision if figures else None
        recall = figures.recall if figures else None
        PRECISION.labels(pattern).set(math.nan if precision is None else precision)
        RECALL.labels(pattern).set(math.nan if recall is None else recall)
    counts = {labels: n for labels, n in counts.items() if labels[0] in known}
    for labels in _exported - counts.keys():  # every row of it deleted since: now 0
        FEEDBACK.labels(*labels).set(0)
    for labels, n in counts.items():
        FEEDBACK.labels(*labels).set(n)
    _exported.update(counts)


class MetricsExporter:
    """Built in the lifespan: `start()`, `close()`; `request_refresh()` after a write."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], interval_s: float) -> None:
        self.sessionmaker = sessionmaker
        self.interval_s = interval_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.refreshes = 0  # completed refreshes (tests wait on it)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="pattern-metrics")

    def request_refresh(self) -> None:
        self._wake.set()

    async def refresh(self) -> None:
        try:
            await refresh_gauges(self.sessionmaker)
            self.refreshes += 1
        except Exception:  # the next tick retries; /metrics keeps the last values meanwhile
            log.warning("pattern metrics: refresh failed", exc_info=True)

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            await self.refresh()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval_s)
