"""What the lifespan (and `make worker`) builds: the dispatcher when a broker is configured,
and retention of old events either way."""

import asyncio
import contextlib
import logging
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import EventsSettings
from app.events import metrics, repo
from app.events.broker import JetStreamPublisher
from app.events.dispatcher import Dispatcher

log = logging.getLogger(__name__)
Health = Literal["ok", "degraded", "down"]


class EventsRuntime:
    def __init__(
        self,
        settings: EventsSettings,
        sessionmaker: async_sessionmaker[AsyncSession],
        dispatch: bool = True,
        prune: bool = True,
    ) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.publisher: JetStreamPublisher | None = None
        self.dispatcher: Dispatcher | None = None
        if settings.broker and dispatch:
            self.publisher = JetStreamPublisher(settings)
            self.dispatcher = Dispatcher(settings, sessionmaker, self.publisher)
        self._prune = prune and settings.retention_days > 0
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        if self.dispatcher is not None:
            self._tasks.append(asyncio.create_task(self.dispatcher.run(), name="events-dispatch"))
        if self._prune:
            self._tasks.append(asyncio.create_task(self._prune_loop(), name="events-retention"))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self.publisher is not None:
            await self.publisher.close()

    async def prune(self) -> int:
        """Remove events past retention, `prune_batch_size` per transaction: published ones
        by publish time; with no broker (the outbox is the log) any unparked one by age."""
        removed = 0
        while True:
            async with self.sessionmaker() as session, session.begin():
                n = await repo.prune(
                    session,
                    self.settings.retention_days,
                    self.settings.prune_batch_size,
                    published_only=bool(self.settings.broker),
                )
            removed += n
            metrics.PRUNED.inc(n)
            if n < self.settings.prune_batch_size:
                return removed
            await asyncio.sleep(0)  # let requests run between batches

    async def _prune_loop(self) -> None:
        while True:
            try:
                removed = await self.prune()
                if removed:
                    log.info("events retention removed %d events", removed)
            except Exception as exc:
                log.warning("events retention failed: %s", exc)
            await asyncio.sleep(self.settings.prune_interval_s)

    def health(self) -> tuple[Health, str]:
        """down while the breaker is open; degraded when the oldest pending event is older than
        `events.lag_degraded_s` or events are parked; ok otherwise."""
        if self.dispatcher is None or self.publisher is None:
            return "ok", "no broker: the outbox is the event log (GET /events)"
        d = self.dispatcher
        detail = f"lag {d.lag_s:.1f} s, {d.parked} parked, breaker {self.publisher.state}"
        if d.last_error:
            detail += f"; last error: {d.last_error}"
        if self.publisher.state == "opened":
            return "down", detail
        if d.lag_s > self.settings.lag_degraded_s or d.parked:
            return "degraded", detail
        return "ok", detail
