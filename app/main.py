"""Application factory. Run with `uvicorn --factory app.main:create_app`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import FastAPI

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.errors import register_error_handlers
from app.health import router as health_router
from app.health.checks import ComponentCheck, check_database, head_revisions
from app.logs import configure_logging
from app.metrics import install_metrics
from app.middleware import BodySizeLimitMiddleware, CorrelationIdMiddleware
from app.version import SERVICE_VERSION


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings.log.level)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[dict[str, Any]]:
        engine = create_engine(settings.database)
        checks: dict[str, ComponentCheck] = {
            "database": partial(
                check_database, engine, head_revisions(), settings.database.health_timeout_s
            ),
        }
        try:
            yield {
                "settings": settings,
                "engine": engine,
                "sessionmaker": create_sessionmaker(engine),
                "health_checks": checks,
            }
        finally:
            await engine.dispose()

    app = FastAPI(title="onex-codegen", version=SERVICE_VERSION, lifespan=lifespan)
    register_error_handlers(app)
    app.include_router(health_router.router)
    install_metrics(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.http.max_body_bytes)
    app.add_middleware(CorrelationIdMiddleware)  # added last = outermost
    return app
