from app.errors import InvalidInput, NotFound


class EventNotParked(NotFound):
    code = "event_not_parked"

    def __init__(self, event_id: str) -> None:
        super().__init__(f"event {event_id} is not parked (unknown, pending or published)")


class BadWindow(InvalidInput):
    code = "invalid_window"

    def __init__(self, since: str, until: str) -> None:
        super().__init__(
            f"since ({since}) must be before until ({until}), both between years 1 and 9999 UTC"
        )
