"""One-line emitters for capabilities whose files have no room for a full `outbox.record`
call (app/mixins). Each builds the documented payload of its event type."""

from collections.abc import Mapping, Sized
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.events import outbox


async def mixin_outcomes(
    session: AsyncSession,
    source: str,
    framework_version: str,
    observations: Sized,
    compositions: Sized,
) -> str:
    """`mixins.outcome_recorded`, in the session that adds the outcomes (aggregate: version)."""
    payload = {"source": source, "framework_version": framework_version,
               "observations": len(observations), "compositions": len(compositions)}  # fmt: skip
    return await outbox.record(session, "mixins.outcome_recorded", framework_version, payload)


async def mixin_model_trained(
    sessionmaker: async_sessionmaker[AsyncSession], meta: Mapping[str, Any]
) -> str:
    """`mixins.model_trained` once the model is saved and active (its own commit: the model
    is a file, not a row). `meta` is the artifact's metadata."""
    payload = {"framework_version": str(meta.get("framework_version", "")),
               "version": meta.get("model_version"), "samples": int(meta.get("n_outcomes", 0)),
               "trained_at": meta.get("trained_at"), "metrics": meta.get("metrics")}  # fmt: skip
    return await outbox.record_alone(sessionmaker, "mixins.model_trained", "mixins.model", payload)
