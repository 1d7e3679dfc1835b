from app.errors import Conflict, InvalidInput, NotFound


class CallbackUrlRefused(InvalidInput):
    """A callback URL the SSRF policy refuses; `detail` says why (`reason` too)."""

    code = "callback_url_refused"

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"callback_url refused: {reason}")
        self.url = url
        self.reason = reason


class DeliveryNotFound(NotFound):
    code = "delivery_not_found"

    def __init__(self, delivery_id: str) -> None:
        super().__init__(f"no webhook delivery {delivery_id}")


class DeliveryNotParked(Conflict):
    code = "delivery_not_parked"

    def __init__(self, delivery_id: str, status: str) -> None:
        super().__init__(f"webhook delivery {delivery_id} is {status}, not parked")
