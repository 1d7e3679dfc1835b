"""Database access for measured outcomes and user reports (kept apart), and seeding an empty
database from the checked-in baseline (the outcomes of the last `make mixin-sweep`)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
from sqlalchemy import case, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import PROJECT_ROOT
from app.events import emit
from app.mixins.catalog import canonical, mixin_key
from app.mixins.learner import CompositionOutcome
from app.mixins.models import MixinFeedback, MixinOutcome
from app.mixins.predictor import Counts

log = logging.getLogger(__name__)


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
    """Add observations to the counts (one row per canonical key, kind, order, version) with
    one atomic upsert: concurrent recorders (two requests measuring the same composition, two
    replicas) add up instead of colliding on the unique key or overwriting each other."""
    totals: dict[tuple[str, str, str], dict[str, Any]] = {}
    for o in observations:
        key = (mixin_key(o.mixins), o.kind, o.order)
        row = totals.setdefault(key, _new_row(key, len(canonical(o.mixins)), source))
        row["framework_version"] = framework_version
        row["success_count"] += int(o.success)
        row["failure_count"] += int(not o.success)
        row.update(last_stage=o.stage, last_error=o.error)
    if totals:
        await session.execute(_upsert(session), list(totals.values()))
        await emit.mixin_outcomes(session, source, framework_version, observations, totals)
    return len(observations)


def _new_row(key: tuple[str, str, str], size: int, source: str) -> dict[str, Any]:
    kind_order = {"node_kind": key[1], "class_order": key[2]}
    counts = {"success_count": 0, "failure_count": 0}
    return {"mixin_key": key[0], "n_mixins": size, **kind_order, **counts, "source": source}


def _upsert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(MixinOutcome)
    table, new = MixinOutcome.__table__.c, stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=["mixin_key", "node_kind", "class_order", "framework_version"],
        set_={
            "success_count": table.success_count + new.success_count,
            "failure_count": table.failure_count + new.failure_count,
            "last_stage": new.last_stage,
            "last_error": new.last_error,
            "source": case((table.source == new.source, table.source), else_="mixed"),
            "updated_at": new.updated_at,
        },
    )


async def outcomes(
    session: AsyncSession, framework_version: str
) -> list[tuple[CompositionOutcome, MixinOutcome]]:
    rows = await session.scalars(
        select(MixinOutcome).where(MixinOutcome.framework_version == framework_version)
    )
    return [
        (
            CompositionOutcome(
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
    session: AsyncSession,
    obs: Observation,
    *,
    generation_id: str | None,
    framework_version: str,
    conflicts_with_measured: bool = False,
    remeasured: str | None = None,
) -> Counts:
    """Store a user report (never into the measured counts); the composition's user counts."""
    session.add(
        MixinFeedback(
            mixin_key=mixin_key(obs.mixins),
            node_kind=obs.kind,
            class_order=obs.order,
            success=obs.success,
            error=obs.error,
            generation_id=generation_id,
            framework_version=framework_version,
            source="user",
            conflicts_with_measured=conflicts_with_measured,
            remeasured=remeasured,
        )
    )
    await session.flush()
    counts = await user_counts(session, framework_version, (obs.kind, obs.order, obs.mixins))
    return next(iter(counts.values()))


async def user_counts(
    session: AsyncSession,
    framework_version: str,
    only: tuple[str, str, Sequence[str]] | None = None,
) -> dict[str, Counts]:
    """User reports per composition key (`kind|order|mixins`), as counts (all, or `only` one)."""
    F = MixinFeedback
    won = func.sum(case((F.success, 1), else_=0))
    q = select(F.node_kind, F.class_order, F.mixin_key, won, func.count()).where(
        F.framework_version == framework_version
    )
    if only is not None:
        kind, order, mixins = only
        q = q.where(F.node_kind == kind, F.class_order == order, F.mixin_key == mixin_key(mixins))
    q = q.group_by(F.node_kind, F.class_order, F.mixin_key)
    return {
        f"{k}|{o}|{m}": Counts(int(s or 0), int(n) - int(s or 0), "feedback", None)
        for k, o, m, s, n in (await session.execute(q)).all()
    }


async def user_outcomes(
    session: AsyncSession, framework_version: str, weight: float
) -> list[CompositionOutcome]:
    """Training rows from user reports on compositions nobody measured, each of `weight`."""
    measured = {f"{o.kind}|{o.order}|{'+'.join(o.mixins)}" for o, _ in await outcomes(
        session, framework_version)}  # fmt: skip
    return [
        CompositionOutcome(*_split(key), c.success, c.failure, weight)
        for key, c in (await user_counts(session, framework_version)).items()
        if key not in measured
    ]


def _split(key: str) -> tuple[str, str, tuple[str, ...]]:
    kind, order, mixins = key.split("|", 2)
    return kind, order, tuple(mixins.split("+"))


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


async def load_measured(session: AsyncSession, framework_version: str) -> dict[str, Counts]:
    """Counts keyed by composition key (plain column rows: no ORM objects on the event loop)."""
    M = MixinOutcome
    q = select(
        M.node_kind, M.class_order, M.mixin_key, M.success_count, M.failure_count,
        M.last_stage, M.last_error,
    ).where(M.framework_version == framework_version)  # fmt: skip
    rows = (await session.execute(q)).all()
    return {f"{k}|{o}|{m}": Counts(s, f, st, err) for k, o, m, s, f, st, err in rows}


def outcomes_file(baseline_path: Path, version: str) -> Path:
    """The checked-in baseline's measured outcomes for a framework version."""
    folder = baseline_path if baseline_path.is_absolute() else PROJECT_ROOT / baseline_path
    return folder / f"outcomes-{version}.json"


def seed_observations(baseline_path: Path, version: str) -> list[Observation]:
    """The baseline's measured outcomes, expanded back into observations."""
    path = outcomes_file(baseline_path, version)
    if not path.is_file():
        return []
    observations = []
    for row in json.loads(path.read_text()):
        base = (row["kind"], row["order"], tuple(row["mixins"]))
        for success, count in ((True, row["success"]), (False, row["failure"])):
            observations += [
                Observation(*base, success, row["stage"], row["error"]) for _ in range(count)
            ]
    return observations


async def seeded_measured(
    sessionmaker: async_sessionmaker[AsyncSession], baseline_path: Path, framework_version: str
) -> dict[str, Counts]:
    """Measured counts; an empty database is first seeded from the checked-in baseline. A
    database that is down at startup yields no counts (the refresh loop picks them up later)."""
    try:
        async with sessionmaker() as session, session.begin():
            if await fingerprint(session, framework_version) == (0, 0):
                seed = await anyio.to_thread.run_sync(
                    seed_observations, baseline_path, framework_version
                )
                if seed:
                    await record(
                        session, seed, framework_version=framework_version, source="baseline"
                    )
                    log.info("seeded %d mixin outcomes from the baseline", len(seed))
            return await load_measured(session, framework_version)
    except Exception as exc:
        log.warning("mixin outcomes unavailable at startup: %s", exc)
        return {}


async def startup_user_counts(
    sessionmaker: async_sessionmaker[AsyncSession], framework_version: str
) -> dict[str, Counts]:
    """User report counts at startup (none when the database is down: the refresh reloads)."""
    try:
        async with sessionmaker() as session:
            return await user_counts(session, framework_version)
    except Exception as exc:
        log.warning("mixin user reports unavailable at startup: %s", exc)
        return {}
