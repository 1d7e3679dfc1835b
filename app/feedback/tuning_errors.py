"""What the metrics, tuning and threshold routes refuse (rendered by app.errors)."""

from datetime import datetime

from app.errors import Conflict, InvalidInput, NotFound


class InvalidWindow(InvalidInput):
    code = "invalid_window"

    def __init__(self, since: datetime, until: datetime) -> None:
        super().__init__(
            f"since ({since.isoformat()}) is after until ({until.isoformat()})",
            errors=[{"loc": ["query", "since"], "msg": "after until", "type": "invalid_window"}],
        )


class PatternNotFound(NotFound):
    code = "pattern_not_found"

    def __init__(self, pattern: str) -> None:
        super().__init__(f"{pattern!r} is not a pattern this service detects", pattern=pattern)


class NothingToRollBack(Conflict):
    code = "nothing_to_roll_back"

    def __init__(self, pattern: str) -> None:
        super().__init__(
            f"{pattern!r} has no tuned threshold active: it is on its default already",
            pattern=pattern,
        )
