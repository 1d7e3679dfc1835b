"""Admission control: a bounded number of expensive requests run at once, a bounded number wait.

Past both bounds, or after waiting too long, a request is refused at once with 503 `overloaded`
and `Retry-After`, so a burst degrades into quick refusals a client can retry, never into a queue
that grows without limit or a stall. Per process: each replica protects its own CPU.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Request

from app.config import AdmissionSettings
from app.errors import ServiceUnavailable


class Overloaded(ServiceUnavailable):
    code = "overloaded"

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after_s)})


class Admission:
    def __init__(self, settings: AdmissionSettings) -> None:
        self.settings = settings
        self._slots = asyncio.Semaphore(settings.max_concurrent)
        self.running = 0
        self.queued = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        limits = self.settings
        if self._slots.locked() and self.queued >= limits.max_queued:
            raise Overloaded(
                f"{self.running} requests running and {self.queued} waiting (the limits): "
                "retry later",
                limits.retry_after_s,
            )
        self.queued += 1
        try:
            async with asyncio.timeout(limits.max_wait_s):
                await self._slots.acquire()
        except TimeoutError:
            raise Overloaded(
                f"no slot became free within {limits.max_wait_s:g} s: retry later",
                limits.retry_after_s,
            ) from None
        finally:
            self.queued -= 1
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1
            self._slots.release()


async def admitted(request: Request) -> AsyncIterator[None]:
    """FastAPI dependency: holds an admission slot for the rest of the request."""
    admission: Admission = request.state.admission
    async with admission.slot():
        yield
