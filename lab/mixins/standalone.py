"""A minimal app serving only /mixins (benchmarks, local experiments); app.main is the real one.

`uvicorn --factory lab.mixins.standalone:create_app`
"""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from app.auth.guard import AuthService
from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.errors import register_error_handlers
from app.mixins import router as mixins_router
from app.mixins.service import MixinService


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[dict[str, Any]]:
        engine = create_engine(settings.database)
        sessionmaker = create_sessionmaker(engine)
        mixins = await MixinService.create(settings, sessionmaker)
        # Long-lived start-up objects out of the cyclic GC's reach: a full collection of this
        # process's ~150k import-time objects costs ~75 ms, which would land in request latency.
        gc.collect()
        gc.freeze()
        try:
            auth = AuthService(settings.auth, sessionmaker)  # the routes' guard needs it
            auth.announce()
            yield {"settings": settings, "sessionmaker": sessionmaker, "mixins": mixins,
                   "auth": auth}  # fmt: skip
        finally:
            await mixins.close()
            await engine.dispose()

    app = FastAPI(title="onex-codegen mixins", lifespan=lifespan)
    register_error_handlers(app)
    app.include_router(mixins_router.router)
    return app
