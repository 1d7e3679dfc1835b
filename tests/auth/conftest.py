"""Access-control fixtures: the shared app switched to `keys` mode (its AuthService swapped in
the lifespan state for one test, with tight limits), and keys made through the key store."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth import keys
from app.auth.guard import AuthService
from app.config import AuthSettings

MakeKey = Callable[..., Awaitable[tuple[keys.KeyInfo, str]]]


@pytest.fixture
async def keys_mode(app_state: dict[str, Any]) -> AsyncIterator[AuthService]:
    original = app_state["auth"]
    settings = AuthSettings(mode="keys", generate_rate="3/minute", feedback_rate="2/minute")
    auth = AuthService(settings, app_state["sessionmaker"])
    app_state["auth"] = auth
    try:
        yield auth
    finally:
        app_state["auth"] = original
        await auth.limiter.reset()


@pytest.fixture
def make_key(app_state: dict[str, Any]) -> MakeKey:
    sessionmaker: async_sessionmaker[AsyncSession] = app_state["sessionmaker"]

    async def make(*scopes: str, name: str = "test") -> tuple[keys.KeyInfo, str]:
        async with sessionmaker() as session, session.begin():
            return await keys.create(session, name, scopes)

    return make
