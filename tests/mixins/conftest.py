"""Fixtures for mixin tests: the discovered catalog (one discovery per session)."""

from pathlib import Path

import pytest

from app.config import Settings
from app.mixins.catalog import Catalog, load_catalog


@pytest.fixture(scope="session")
def catalog(settings: Settings) -> Catalog:
    return load_catalog(Path(settings.mixins.model_path))


# TEMPORARY (development): the shared app's lifespan is broken by an in-flight generation change;
# this minimal app wires only what the mixin tests need, the way app/main.py does.
from collections.abc import AsyncIterator  # noqa: E402
from contextlib import asynccontextmanager  # noqa: E402
from typing import Any  # noqa: E402

from asgi_lifespan import LifespanManager  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from starlette.types import ASGIApp  # noqa: E402

from app.db import create_engine, create_sessionmaker  # noqa: E402
from app.errors import register_error_handlers  # noqa: E402
from app.mixins import router as mixins_router  # noqa: E402
from app.mixins.runtime import MixinRuntime  # noqa: E402


@pytest.fixture(scope="session")
async def app(settings: Settings, migrated: str) -> AsyncIterator[ASGIApp]:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[dict[str, Any]]:
        engine = create_engine(settings.database)
        sessionmaker = create_sessionmaker(engine)
        mixins = await MixinRuntime.create(settings, sessionmaker)
        try:
            yield {"settings": settings, "sessionmaker": sessionmaker, "mixins": mixins}
        finally:
            await mixins.close()
            await engine.dispose()

    fa = FastAPI(lifespan=lifespan)
    register_error_handlers(fa)
    fa.include_router(mixins_router.router)
    async with LifespanManager(fa, startup_timeout=120) as manager:
        yield manager.app
