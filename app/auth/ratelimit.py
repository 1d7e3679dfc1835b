"""Per-key (open mode: per client address) rate limits on the costly routes, with `limits`:
a moving window, kept in memory by default or in Redis (`auth.rate_storage: redis://...`) so
that several processes share one budget."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from app.auth.errors import RateLimited
from app.config import AuthSettings


def async_storage_url(url: str) -> str:
    """`memory://` / `redis://host:port` as `limits`' asyncio storage URLs."""
    return url if url.startswith("async+") else f"async+{url}"


class RateLimiter:
    """One named limit per kind of route (`generate`, `feedback`), counted per identity."""

    def __init__(self, limits: dict[str, str], storage_url: str = "memory://") -> None:
        self.items: dict[str, RateLimitItem] = {name: parse(rate) for name, rate in limits.items()}
        storage = storage_from_string(async_storage_url(storage_url))
        assert isinstance(storage, Storage)
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(storage)

    @classmethod
    def from_settings(cls, settings: AuthSettings) -> RateLimiter:
        rates = {"generate": settings.generate_rate, "feedback": settings.feedback_rate}
        return cls(rates, settings.rate_storage)

    async def hit(self, name: str, identity: str) -> None:
        """Count one request; RateLimited (with the seconds until a slot frees) when over."""
        item = self.items[name]
        if await self.strategy.hit(item, name, identity):
            return
        stats = await self.strategy.get_window_stats(item, name, identity)
        retry = max(1, math.ceil(stats.reset_time - time.time()))
        raise RateLimited(
            f"rate limit {item} on {name} routes exceeded; retry in {retry} s",
            retry_after_s=retry,
            limit=str(item),
        )

    async def reset(self) -> None:
        await self.storage.reset()
