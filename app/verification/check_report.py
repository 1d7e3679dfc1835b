"""The per-package check report: one entry per named check, failing fast on the first miss."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

type Report = list[dict[str, Any]]


class CheckFailed(Exception):
    """A check's expectation did not hold (the message is the report detail)."""


@contextmanager
def check(report: Report, name: str) -> Iterator[dict[str, Any]]:
    """Record one check; an exception marks it failed and is re-raised as CheckFailed."""
    entry: dict[str, Any] = {"name": name, "ok": True, "detail": "", "duration_ms": 0.0}
    started = time.perf_counter()
    try:
        yield entry
    except Exception as exc:
        entry["ok"] = False
        message = str(exc) if isinstance(exc, CheckFailed) else f"{type(exc).__name__}: {exc}"
        entry["detail"] = message[:2000]
        raise CheckFailed(message) from exc
    finally:
        entry["duration_ms"] = round((time.perf_counter() - started) * 1000.0, 3)
        report.append(entry)


def require(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)
