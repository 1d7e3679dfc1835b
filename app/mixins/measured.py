"""Measured composition counts from the database, seeded from the checked-in baseline."""

import logging
from pathlib import Path

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.mixins import baseline, repo
from app.mixins.keys import KINDS, ORDERS, composition_key
from app.mixins.models import MixinOutcome
from app.mixins.predictor import Counts, Query

log = logging.getLogger(__name__)


async def seeded_measured(
    sessionmaker: async_sessionmaker[AsyncSession], baseline_path: Path, framework_version: str
) -> dict[str, Counts]:
    """Measured counts; an empty database is first seeded from the checked-in baseline. A
    database that is down at startup yields no counts (the refresh loop picks them up later)."""
    try:
        async with sessionmaker() as session, session.begin():
            if await repo.fingerprint(session, framework_version) == (0, 0):
                seed = await anyio.to_thread.run_sync(
                    baseline.seed_observations, baseline_path, framework_version
                )
                if seed:
                    await repo.record(
                        session, seed, framework_version=framework_version, source="baseline"
                    )
                    log.info("seeded %d mixin outcomes from the baseline", len(seed))
            return await load_measured(session, framework_version)
    except Exception as exc:
        log.warning("mixin outcomes unavailable at startup: %s", exc)
        return {}


async def load_measured(session: AsyncSession, framework_version: str) -> dict[str, Counts]:
    """Counts keyed by composition key (plain column rows: no ORM objects on the event loop)."""
    M = MixinOutcome
    q = select(
        M.node_kind, M.class_order, M.mixin_key, M.success_count, M.failure_count,
        M.last_stage, M.last_error,
    ).where(M.framework_version == framework_version)  # fmt: skip
    rows = (await session.execute(q)).all()
    return {f"{k}|{o}|{m}": Counts(s, f, st, err) for k, o, m, s, f, st, err in rows}


def unmeasured_singles(names: list[str], measured: dict[str, Counts]) -> list[Query]:
    """Every single-mixin composition (each kind, each order) with no measurement yet."""
    return [
        (kind, order, (name,))
        for name in names
        for kind in KINDS
        for order in ORDERS
        if composition_key(kind, (name,), order) not in measured
    ]
