"""`python -m app.events.worker` (`make worker`): the outbox dispatcher as its own process.

Several may run against one PostgreSQL (each claims other rows: FOR UPDATE SKIP LOCKED); on
SQLite run one. Needs `events.broker` (CODEGEN_EVENTS__BROKER=nats://127.0.0.1:4222). Stops on
SIGTERM or SIGINT after the batch in flight."""

import asyncio
import logging
import signal
import sys

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.events.runtime import EventsRuntime
from app.logs import configure_logging

log = logging.getLogger("app.events.worker")


async def main() -> int:
    settings = Settings()
    configure_logging(settings.log.level)
    if not settings.events.broker:
        log.error("events.broker is not configured: nothing to dispatch to")
        return 2
    engine = create_engine(settings.database)
    runtime = EventsRuntime(settings.events, create_sessionmaker(engine))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runtime.start()
    log.info("dispatching the outbox to %s", settings.events.broker)
    try:
        await stop.wait()
    finally:
        await runtime.close()
        await engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
