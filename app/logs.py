"""JSON logging for every logger (uvicorn included), each line carrying the correlation id."""

import logging
import logging.config
from contextvars import ContextVar
from typing import Any

correlation_id: ContextVar[str] = ContextVar("correlation_id", default="system")


class CorrelationIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = correlation_id.get()
        return True


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A dictConfig usable both by `configure_logging` and by uvicorn's `--log-config`."""
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "filters": ["correlation_id"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"correlation_id": {"()": "app.logs.CorrelationIdFilter"}},
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
                "rename_fields": {"asctime": "timestamp", "levelname": "level", "name": "logger"},
                "timestamp": False,
            }
        },
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            name: {"handlers": [], "propagate": True, "level": level}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "alembic", "sqlalchemy")
        },
    }


def configure_logging(level: str = "INFO") -> None:
    logging.config.dictConfig(logging_config(level))
    # per-query and per-health-check chatter; their warnings still come through
    for noisy in ("sqlalchemy", "alembic", "aiosqlite", "asyncio", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
