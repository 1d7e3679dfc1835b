from pydantic import BaseModel

from app.health.checks import Status


class ComponentRead(BaseModel):
    status: Status
    latency_ms: float
    detail: str
    critical: bool


class HealthRead(BaseModel):
    status: Status
    version: str
    components: dict[str, ComponentRead]


class ReadyRead(BaseModel):
    status: Status
    detail: str
