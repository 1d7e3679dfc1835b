"""The limiter on its own: per identity, Retry-After, and Redis storage when it runs."""

import socket

import pytest

from app.auth.errors import RateLimited
from app.auth.ratelimit import RateLimiter, async_storage_url


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


async def _check(limiter: RateLimiter) -> None:
    await limiter.reset()
    for _ in range(2):
        await limiter.hit("feedback", "key_a")
    with pytest.raises(RateLimited) as caught:
        await limiter.hit("feedback", "key_a")
    assert caught.value.status_code == 429 and caught.value.code == "rate_limited"
    assert 1 <= int(caught.value.headers["Retry-After"]) <= 3600
    await limiter.hit("feedback", "key_b")  # another identity has its own budget
    await limiter.hit("generate", "key_a")  # and another route kind too
    await limiter.reset()


async def test_memory_limiter() -> None:
    await _check(RateLimiter({"feedback": "2/hour", "generate": "5/hour"}))


@pytest.mark.skipif(not _redis_up(), reason="no Redis at 127.0.0.1:6379")
async def test_redis_limiter() -> None:
    limiter = RateLimiter({"feedback": "2/hour", "generate": "5/hour"}, "redis://127.0.0.1:6379/15")
    await _check(limiter)


def test_storage_urls() -> None:
    assert async_storage_url("memory://") == "async+memory://"
    assert async_storage_url("async+redis://h:1") == "async+redis://h:1"
