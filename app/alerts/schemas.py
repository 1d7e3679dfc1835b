"""Alertmanager's webhook payload (version 4) in, stored alerts out.

The payload's fields are Alertmanager's camelCase names; unknown fields are ignored, so a
newer Alertmanager that adds some still delivers.
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from app.timestamps import IsoDatetime

AlertStatus = Literal["firing", "resolved"]
State = Literal["firing", "resolved", "all"]
Fingerprint = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9a-zA-Z]+$")]
LabelSet = Annotated[dict[str, Annotated[str, Field(max_length=4096)]], Field(max_length=100)]


class NotifiedAlert(BaseModel):
    """One alert of a notification."""

    model_config = ConfigDict(extra="ignore")

    status: AlertStatus
    labels: LabelSet
    annotations: LabelSet = {}
    startsAt: IsoDatetime
    endsAt: IsoDatetime | None = None
    generatorURL: Annotated[str, Field(max_length=4096)] = ""
    fingerprint: Fingerprint


def _not_bool(value: object) -> object:
    if isinstance(value, bool):  # JSON false is not the integer 0
        raise ValueError("an integer is expected, not a boolean")
    return value


class AlertmanagerWebhook(BaseModel):
    """What Alertmanager's webhook receiver POSTs: a group's alerts, firing and resolved."""

    model_config = ConfigDict(extra="ignore")

    version: Annotated[str, Field(max_length=8, json_schema_extra={"enum": ["4"]})]
    groupKey: Annotated[str, Field(max_length=4096)] = ""
    truncatedAlerts: Annotated[int, BeforeValidator(_not_bool)] = 0
    status: AlertStatus
    receiver: Annotated[str, Field(max_length=200)] = ""
    alerts: Annotated[list[NotifiedAlert], Field(max_length=1000)]


class WebhookReceipt(BaseModel):
    """How many of the notification's alerts were stored, by status."""

    firing: int
    resolved: int


class AlertOut(BaseModel):
    fingerprint: str
    alertname: str
    status: AlertStatus
    severity: str | None
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None = Field(description="when it was resolved (null while firing)")
    generator_url: str
    received_at: datetime = Field(description="first notification about this alert")
    updated_at: datetime = Field(description="latest notification about this alert")
    notifications: int


class AlertPage(BaseModel):
    """Newest first (by starts_at); `total` counts every alert in the state asked for."""

    items: list[AlertOut]
    total: int
    limit: int
    offset: int
