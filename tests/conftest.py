"""Shared fixtures: one app per database backend (schema built by Alembic), a client per test.

The suite runs on SQLite always and on PostgreSQL when `CODEGEN_TEST_POSTGRES_URL` is set.
`make test` sets it (starting PostgreSQL and making a throwaway database when it is not given) and
sets `CODEGEN_TEST_REQUIRE_POSTGRES=1`, under which a missing URL fails the PostgreSQL tests; a
plain `pytest` without the URL skips them and says why.
"""

import inspect
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp

from app.config import Settings
from app.db import Base, create_engine
from app.main import create_app
from app.migrations import upgrade
from app.models_registry import import_all

POSTGRES_URL = os.environ.get("CODEGEN_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("CODEGEN_TEST_REQUIRE_POSTGRES", "") not in ("", "0")


def _backends() -> list[object]:
    skip = not POSTGRES_URL and not REQUIRE_POSTGRES
    reason = "CODEGEN_TEST_POSTGRES_URL not set (`make test` sets it up)"
    postgres = pytest.param("postgresql", marks=pytest.mark.skipif(skip, reason=reason))
    return ["sqlite", postgres]


@pytest.fixture(scope="session", params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "postgresql":
        if not POSTGRES_URL:
            pytest.fail("CODEGEN_TEST_REQUIRE_POSTGRES is set but CODEGEN_TEST_POSTGRES_URL is not")
        return POSTGRES_URL
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings()
    settings.database.url = database_url
    settings.mixins.model_path = tmp_path_factory.mktemp("model") / "mixin_model"
    # hermetic: the shared app measures for itself; tests/mixins/test_baseline.py covers seeding
    settings.mixins.baseline_path = tmp_path_factory.mktemp("no_baseline")
    # one client address sends the whole suite: rate limits are tested in tests/auth
    settings.auth.generate_rate = settings.auth.feedback_rate = "1000000/minute"
    # GET /events shows an event at once (tests/events/test_outbox.py covers the settle delay)
    settings.events.log_settle_s = 0.0
    # health tests break a component and look at once; the cache has its own tests
    settings.health.cache_s = 0.0
    return settings


@pytest.fixture(scope="session")
def migrated(database_url: str) -> Iterator[str]:
    import_all()
    upgrade(database_url)
    yield database_url


@pytest.fixture(scope="session")
async def app(settings: Settings, migrated: str) -> AsyncIterator[ASGIApp]:
    """The app with its lifespan running (one per backend: the sandbox pool is costly to start)."""
    async with LifespanManager(create_app(settings), startup_timeout=120) as manager:
        yield manager.app


@pytest.fixture(scope="session")
def app_state(app: ASGIApp) -> dict[str, Any]:
    """The running app's lifespan state (the services a request sees as `request.state`): the
    dict asgi_lifespan's state middleware puts into every request's scope."""
    state: dict[str, Any] = inspect.getclosurevars(app).nonlocals["state"]
    return state


@pytest.fixture(scope="session")
async def cleanup_engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.database)
    yield engine
    await engine.dispose()


@pytest.fixture
async def client(app: ASGIApp, cleanup_engine: AsyncEngine) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as http:
        yield http
    async with cleanup_engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(text(f"DELETE FROM {table.name}"))
