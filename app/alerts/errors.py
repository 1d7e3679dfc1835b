"""What the alerts capability refuses; each has a stable `error` code (rendered by app.errors)."""

from app.errors import InvalidInput


class UnsupportedVersion(InvalidInput):
    code = "unsupported_webhook_version"

    def __init__(self, version: str) -> None:
        super().__init__(
            f"Alertmanager webhook payload version {version!r} is not supported (only '4')",
            errors=[{"loc": ["body", "version"], "msg": "must be '4'", "type": self.code}],
        )
