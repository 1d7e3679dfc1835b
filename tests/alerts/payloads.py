"""Alertmanager webhook payloads (version 4), shaped as Alertmanager 0.25 sends them."""

from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ZERO = "0001-01-01T00:00:00Z"  # Alertmanager's endsAt of a firing alert with no end yet


def alert(
    fingerprint: str,
    status: str = "firing",
    *,
    name: str = "CodegenEventsParked",
    starts: datetime = T0,
    ends: datetime | None = None,
    summary: str = "3 events are parked",
    **labels: str,
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": name, "severity": "warning", **labels},
        "annotations": {"summary": summary, "runbook": "Read GET /events/parked"},
        "startsAt": starts.isoformat(),
        "endsAt": ends.isoformat() if ends else ZERO,
        "generatorURL": "http://prometheus:9090/graph?g0.expr=codegen_events_parked",
        "fingerprint": fingerprint,
    }


def notification(*alerts: dict[str, Any], version: str = "4") -> dict[str, Any]:
    firing = any(a["status"] == "firing" for a in alerts)
    return {
        "version": version,
        "groupKey": '{}:{alertname="CodegenEventsParked"}',
        "truncatedAlerts": 0,
        "status": "firing" if firing else "resolved",
        "receiver": "codegen",
        "groupLabels": {"alertname": "CodegenEventsParked"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": list(alerts),
    }


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)
