"""Async Alembic environment: the URL comes from the caller or from the service's settings."""

import asyncio

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from app import models_registry
from app.config import Settings
from app.db import Base, resolve_url
from app.logs import configure_logging

config = context.config
models_registry.import_all()
target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("database_url") or Settings().database.url
    return resolve_url(str(url))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_async_engine(_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    if not config.attributes.get("skip_logging"):
        configure_logging("WARNING")
    asyncio.run(_run_async())
