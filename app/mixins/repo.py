"""Database access for outcomes and feedback (all functions take an AsyncSession)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.mixins.keys import canonical, mixin_key
from app.mixins.model import Outcome
from app.mixins.models import MixinFeedback, MixinOutcome


@dataclass(frozen=True)
class Observation:
    kind: str
    order: str
    mixins: tuple[str, ...]
    success: bool
    stage: str | None
    error: str | None


async def record(
    session: AsyncSession,
    observations: Sequence[Observation],
    *,
    framework_version: str,
    source: str,
) -> int:
    """Add observations to the counts (one row per canonical key, kind, order, version)."""
    keys = {mixin_key(o.mixins) for o in observations}
    existing: dict[tuple[str, str, str], MixinOutcome] = {}
    key_list = sorted(keys)
    for i in range(0, len(key_list), 500):
        rows = await session.scalars(
            select(MixinOutcome).where(
                MixinOutcome.framework_version == framework_version,
                MixinOutcome.mixin_key.in_(key_list[i : i + 500]),
            )
        )
        for r in rows:
            existing[(r.mixin_key, r.node_kind, r.class_order)] = r
    for o in observations:
        k = (mixin_key(o.mixins), o.kind, o.order)
        row = existing.get(k)
        if row is None:
            row = MixinOutcome(
                mixin_key=k[0],
                n_mixins=len(canonical(o.mixins)),
                node_kind=o.kind,
                class_order=o.order,
                success_count=0,
                failure_count=0,
                source=source,
                framework_version=framework_version,
            )
            session.add(row)
            existing[k] = row
        row.success_count += int(o.success)
        row.failure_count += int(not o.success)
        row.last_stage = o.stage
        row.last_error = o.error
        if row.source != source:
            row.source = "mixed"
    await session.flush()
    return len(observations)


async def outcomes(
    session: AsyncSession, framework_version: str
) -> list[tuple[Outcome, MixinOutcome]]:
    rows = await session.scalars(
        select(MixinOutcome).where(MixinOutcome.framework_version == framework_version)
    )
    return [
        (
            Outcome(
                r.node_kind,
                r.class_order,
                tuple(r.mixin_key.split("+")),
                r.success_count,
                r.failure_count,
            ),
            r,
        )
        for r in rows
    ]


async def add_feedback(
    session: AsyncSession, obs: Observation, *, generation_id: str | None, framework_version: str
) -> MixinOutcome:
    session.add(
        MixinFeedback(
            mixin_key=mixin_key(obs.mixins),
            node_kind=obs.kind,
            class_order=obs.order,
            success=obs.success,
            error=obs.error,
            generation_id=generation_id,
            framework_version=framework_version,
        )
    )
    await record(session, [obs], framework_version=framework_version, source="feedback")
    row = await get(session, obs.kind, obs.order, obs.mixins, framework_version)
    assert row is not None
    return row


async def get(
    session: AsyncSession, kind: str, order: str, mixins: Sequence[str], framework_version: str
) -> MixinOutcome | None:
    return await session.scalar(
        select(MixinOutcome).where(
            MixinOutcome.framework_version == framework_version,
            MixinOutcome.mixin_key == mixin_key(mixins),
            MixinOutcome.node_kind == kind,
            MixinOutcome.class_order == order,
        )
    )


async def fingerprint(session: AsyncSession, framework_version: str) -> tuple[int, int]:
    """(rows, total observations): changes whenever an outcome is added or counted."""
    q = select(
        func.count(), func.sum(MixinOutcome.success_count + MixinOutcome.failure_count)
    ).where(MixinOutcome.framework_version == framework_version)
    rows, total = (await session.execute(q)).one()
    return int(rows), int(total or 0)


async def feedback_since(session: AsyncSession, since: datetime | None) -> int:
    q = select(func.count()).select_from(MixinFeedback)
    if since is not None:
        q = q.where(MixinFeedback.created_at > since)
    return int(await session.scalar(q) or 0)


async def summary(session: AsyncSession, framework_version: str) -> list[dict[str, Any]]:
    q = (
        select(
            MixinOutcome.node_kind,
            MixinOutcome.class_order,
            MixinOutcome.n_mixins,
            func.count(),
            func.sum(MixinOutcome.success_count),
            func.sum(MixinOutcome.failure_count),
            func.sum(case((MixinOutcome.success_count > MixinOutcome.failure_count, 1), else_=0)),
        )
        .where(MixinOutcome.framework_version == framework_version)
        .group_by(MixinOutcome.node_kind, MixinOutcome.class_order, MixinOutcome.n_mixins)
    )
    out = []
    for kind, order, n, combos, succ, fail, compatible in (await session.execute(q)).all():
        out.append(
            {
                "node_kind": kind,
                "class_order": order,
                "n_mixins": n,
                "combinations": int(combos),
                "compatible": int(compatible or 0),
                "success_rate": round(int(compatible or 0) / max(1, int(combos)), 4),
                "observations": int(succ or 0) + int(fail or 0),
            }
        )
    return sorted(out, key=lambda d: (d["node_kind"], d["class_order"], d["n_mixins"]))


def observations_from(measured: Iterable[Any]) -> list[Observation]:
    return [Observation(m.kind, m.order, m.mixins, m.ok, m.stage, m.error) for m in measured]
