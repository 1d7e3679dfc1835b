"""The delivery loop the lifespan runs: claim due deliveries (under a lease), attempt them
concurrently, record each outcome; a failed one is due again after exponential backoff with
full jitter (tenacity's `wait_random_exponential`), parked after `webhooks.max_attempts`."""

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tenacity import AsyncRetrying, RetryCallState
from tenacity.wait import wait_base, wait_random_exponential

from app.config import WebhooksSettings
from app.webhooks import metrics, repo
from app.webhooks.repo import Due
from app.webhooks.sender import Result, Sender

log = logging.getLogger(__name__)
LEASE_MARGIN_S = 5.0  # beyond the attempt's own timeout, before another sender may retry it


def delay(wait: wait_base, attempt: int) -> float:
    """The wait strategy's delay after failed attempt number `attempt` (1 = the first)."""
    state = RetryCallState(AsyncRetrying(), None, (), {})
    state.attempt_number = attempt
    return float(wait(state))


class WebhookRuntime:
    def __init__(
        self,
        settings: WebhooksSettings,
        sessionmaker: async_sessionmaker[AsyncSession],
        sender: Sender | None = None,
    ) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.sender = sender or Sender(settings)
        self._task: asyncio.Task[None] | None = None

    def backoff(self, attempt: int) -> float:
        wait = wait_random_exponential(self.settings.backoff_base_s, self.settings.backoff_max_s)
        return delay(wait, attempt)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="webhooks-sender")

    async def stop(self) -> None:
        """Stop the loop (an attempt in flight is abandoned; its lease expires)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def close(self) -> None:
        await self.stop()
        await self.sender.close()

    async def run_once(self) -> int:
        """One batch: the number of deliveries attempted."""
        lease = repo.now() + timedelta(seconds=self.settings.timeout_s + LEASE_MARGIN_S)
        async with self.sessionmaker() as session, session.begin():
            due = await repo.claim(session, self.settings.batch_size, lease)
        if due:
            results = await asyncio.gather(*(self._timed(d) for d in due))
            async with self.sessionmaker() as session, session.begin():
                for delivery, result in zip(due, results, strict=True):
                    await self._record(session, delivery, result)
        return len(due)

    async def _timed(self, delivery: Due) -> Result:
        with metrics.ATTEMPT_SECONDS.time():
            return await self.sender.attempt(delivery)

    async def _record(self, session: AsyncSession, delivery: Due, result: Result) -> None:
        if result.ok:
            await repo.delivered(session, delivery.id, result.status or 200)
            metrics.ATTEMPTS.labels("delivered").inc()
            return
        attempt = delivery.attempts + 1
        retry_at = repo.now() + timedelta(seconds=self.backoff(attempt))
        error = result.error or "failed"
        parked = await repo.failed(
            session, delivery.id, result.status, error, retry_at, self.settings.max_attempts
        )
        metrics.ATTEMPTS.labels("parked" if parked else "failed").inc()
        log.warning(
            "webhook %s attempt %d failed%s: %s",
            delivery.id,
            attempt,
            " (parked)" if parked else "",
            error,
        )

    async def _loop(self) -> None:
        while True:
            attempted = 0
            try:
                attempted = await self.run_once()
            except Exception as exc:  # the database may be away: try again next round
                log.warning("webhook delivery round failed: %s", exc)
            if attempted < self.settings.batch_size:
                await asyncio.sleep(self.settings.poll_interval_s)
