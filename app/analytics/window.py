"""The time window every analytics view applies: [since, until), default the last 24 hours."""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.db import as_utc
from app.errors import InvalidInput

DEFAULT_SPAN = timedelta(days=1)


class InvalidWindow(InvalidInput):
    code = "invalid_window"

    def __init__(self, since: datetime, until: datetime) -> None:
        super().__init__(f"since ({since.isoformat()}) must be before until ({until.isoformat()})")


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime


class WindowOutOfRange(InvalidInput):
    code = "invalid_window"

    def __init__(self) -> None:
        super().__init__("the window reaches past the calendar's limits (years 1-9999, UTC)")


def window(since: datetime | None, until: datetime | None) -> Window:
    try:
        end = as_utc(until) if until else datetime.now(UTC)
        start = as_utc(since) if since else end - DEFAULT_SPAN
    except OverflowError as exc:  # e.g. until 0001-01-01: a day before it is no date
        raise WindowOutOfRange() from exc
    if start >= end:
        raise InvalidWindow(start, end)
    return Window(start, end)


def percentile(ordered: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of an ascending list (None when empty)."""
    if not ordered:
        return None
    rank = max(1, math.ceil(round(fraction * len(ordered), 9)))
    return ordered[min(rank, len(ordered)) - 1]
