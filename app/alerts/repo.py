"""Alert rows: an upsert by fingerprint (atomic on SQLite and PostgreSQL) and paged reads."""

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, not_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.models import Alert
from app.alerts.schemas import NotifiedAlert, State


async def upsert(session: AsyncSession, alert: NotifiedAlert, now: datetime) -> None:
    """Insert the alert or update the stored one. A late retry of a `firing` notification
    (same starts_at) does not reopen an alert already stored as resolved."""
    resolved = alert.status == "resolved"
    values: dict[str, Any] = {
        "fingerprint": alert.fingerprint,
        "alertname": alert.labels.get("alertname", ""),
        "status": alert.status,
        "severity": alert.labels.get("severity"),
        "labels": alert.labels,
        "annotations": alert.annotations,
        "starts_at": alert.startsAt,
        "ends_at": (alert.endsAt or now) if resolved else None,
        "generator_url": alert.generatorURL,
        "received_at": now,
        "updated_at": now,
        "notifications": 1,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Alert).values(**values)
    changes = {k: v for k, v in values.items() if k not in ("fingerprint", "received_at")}
    changes["notifications"] = Alert.notifications + 1
    stale_retry = and_(
        Alert.status == "resolved",
        statement.excluded.status == "firing",
        Alert.starts_at == statement.excluded.starts_at,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[Alert.fingerprint], set_=changes, where=not_(stale_retry)
        )
    )


def _in_state(query: Select[Any], state: State) -> Select[Any]:
    return query if state == "all" else query.where(Alert.status == state)


async def page(
    session: AsyncSession, state: State, limit: int, offset: int
) -> tuple[list[Alert], int]:
    total = await session.scalar(_in_state(select(func.count()).select_from(Alert), state))
    rows = await session.scalars(
        _in_state(select(Alert), state)
        .order_by(Alert.starts_at.desc(), Alert.fingerprint)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total or 0
