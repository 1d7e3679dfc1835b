"""Verification reports: one per generated package, one entry per check."""

from pydantic import BaseModel, ConfigDict


class CheckResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    ok: bool
    detail: str = ""
    duration_ms: float = 0.0


class PackageReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    package: str  # directory relative to the project root, e.g. "shop/nodes/cart_reducer"
    kind: str
    class_name: str
    ok: bool
    checks: list[CheckResult]
    duration_ms: float = 0.0
