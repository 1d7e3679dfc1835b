"""The dispatcher: claims committed events in batches, publishes them, marks them published in
the transaction that holds the claim. At least once: a crash between JetStream's ack and the
commit re-sends the batch, which JetStream drops as duplicates (same `Nats-Msg-Id`)."""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type
from tenacity.wait import wait_base, wait_random_exponential

from app.config import EventsSettings
from app.events import metrics, outbox, repo
from app.events.broker import POISON, BrokerUnavailable
from app.events.models import OutboxEvent
from app.events.schemas import envelope

log = logging.getLogger(__name__)
GAUGE_INTERVAL_S = 1.0


class Publisher(Protocol):
    async def publish(self, event_id: str, event_type: str, body: dict[str, Any]) -> bool: ...


@dataclass
class Batch:
    claimed: int = 0
    published: list[str] = field(default_factory=list)
    duplicates: int = 0
    rejected: list[tuple[OutboxEvent, Exception]] = field(default_factory=list)
    unavailable: str | None = None  # the broker's error: the batch was left for later


def delay(wait: wait_base, attempt: int) -> float:
    """The wait strategy's delay before retry number `attempt` (1 = first retry)."""
    state = RetryCallState(AsyncRetrying(), None, (), {})
    state.attempt_number = attempt
    return float(wait(state))


class Dispatcher:
    def __init__(
        self,
        settings: EventsSettings,
        sessionmaker: async_sessionmaker[AsyncSession],
        publisher: Publisher,
        on_publish: Callable[[str, bool], None] | None = None,
    ) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.publisher = publisher
        self.on_publish = on_publish  # (event id, JetStream had it already) per ack: for tests
        self.wakeup = outbox.Wakeup()
        # per event (rejected by the broker) and for the whole loop (broker unreachable)
        self.event_wait = wait_random_exponential(settings.backoff_base_s, settings.backoff_max_s)
        self.loop_wait = wait_random_exponential(
            settings.batch_timeout_ms / 1000, settings.breaker_reset_s
        )
        self.lag_s = 0.0
        self.parked = 0
        self.last_error: str | None = None
        self._gauges_at = 0.0

    async def dispatch_once(self) -> Batch:
        """One batch: claim, publish (in order per aggregate, aggregates concurrently), record."""
        batch = Batch()
        async with self.sessionmaker() as session, session.begin():
            rows = await repo.claim(session, self.settings.batch_size)
            batch.claimed = len(rows)
            if not rows:
                return batch
            metrics.BATCH_SIZE.observe(len(rows))
            groups: dict[str, list[OutboxEvent]] = {}
            for row in rows:
                groups.setdefault(row.aggregate_id, []).append(row)
            await asyncio.gather(*(self._publish_in_order(g, batch) for g in groups.values()))
            await repo.mark_published(session, batch.published, repo.now())
            for row, exc in batch.rejected:
                retry_at = repo.now() + timedelta(seconds=delay(self.event_wait, row.attempts + 1))
                error = f"{type(exc).__name__}: {exc}"
                if repo.failed(row, error, retry_at, self.settings.max_attempts):
                    log.error("event %s (%s) parked: %s", row.id, row.type, row.last_error)
        return batch

    async def _publish_in_order(self, rows: list[OutboxEvent], batch: Batch) -> None:
        for row in rows:
            try:
                duplicate = await self.publisher.publish(row.id, row.type, envelope(row))
            except BrokerUnavailable as exc:
                metrics.ATTEMPTS.labels("unavailable").inc()
                metrics.FAILURES.inc()
                batch.unavailable = str(exc)
                return
            except POISON as exc:
                metrics.ATTEMPTS.labels("rejected").inc()
                metrics.FAILURES.inc()
                batch.rejected.append((row, exc))
                return  # the aggregate's later events wait for this one
            metrics.ATTEMPTS.labels("duplicate" if duplicate else "published").inc()
            batch.duplicates += duplicate
            metrics.PUBLISH_LATENCY.observe((repo.now() - row.occurred_at).total_seconds())
            batch.published.append(row.id)
            if self.on_publish is not None:
                self.on_publish(row.id, duplicate)

    async def run(self) -> None:
        """Dispatch until cancelled: a full batch at once, a partial one after the batch
        timeout; with exponential backoff and jitter while the broker or database is down.
        On PostgreSQL `events.concurrency` batches are in flight at once (each claim skips
        the rows another holds); on SQLite one (it has no row locks)."""
        outbox.subscribe(self.wakeup)
        async with self.sessionmaker() as session:
            postgres = session.get_bind().dialect.name == "postgresql"
        lanes = max(1, self.settings.concurrency) if postgres else 1
        try:
            await asyncio.gather(*(self._lane() for _ in range(lanes)))
        finally:
            outbox.unsubscribe(self.wakeup)

    async def _lane(self) -> None:
        while True:
            self.wakeup.count = 0
            batch = await self._dispatch_retrying()
            await self._refresh_gauges()
            if batch.claimed < self.settings.batch_size or batch.rejected:
                await self._wait_for_batch()

    async def _dispatch_retrying(self) -> Batch:
        retrying = AsyncRetrying(
            wait=self.loop_wait, retry=retry_if_exception_type(Exception), reraise=True
        )
        async for attempt in retrying:
            with attempt:
                try:
                    batch = await self.dispatch_once()
                except Exception as exc:  # the database: log, back off, try again
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    log.warning("event dispatch failed: %s", self.last_error)
                    await self._refresh_gauges()
                    raise
                if batch.unavailable:
                    self.last_error = batch.unavailable
                    await self._refresh_gauges()
                    raise BrokerUnavailable(batch.unavailable)
                self.last_error = None
                return batch
        raise AssertionError("unreachable: AsyncRetrying never stops")

    async def _wait_for_batch(self) -> None:
        """Until `batch_size` events were committed here, or the batch timeout passed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.batch_timeout_ms / 1000
        while self.wakeup.count < self.settings.batch_size:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            self.wakeup.changed.clear()
            try:
                await asyncio.wait_for(self.wakeup.changed.wait(), remaining)
            except TimeoutError:
                return

    async def _refresh_gauges(self, force: bool = False) -> None:
        if not force and time.monotonic() - self._gauges_at < GAUGE_INTERVAL_S:
            return
        self._gauges_at = time.monotonic()
        try:
            async with self.sessionmaker() as session:
                oldest = await repo.oldest_pending(session)
                self.parked = await repo.count_parked(session)
        except Exception as exc:
            log.info("outbox gauges not refreshed: %s", exc)
            return
        self.lag_s = 0.0 if oldest is None else (repo.now() - oldest).total_seconds()
        metrics.LAG.set(self.lag_s)
        metrics.PARKED.set(self.parked)
