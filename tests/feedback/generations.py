"""Generations with known detections, stored directly (the feedback tests judge detections; how
generation finds them is tested in tests/generation)."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.analysis.patterns import external_patterns
from app.analysis.plan import Detection
from app.generation.models import Generation

EXTERNAL = external_patterns()[0]


def sample_detections() -> list[Detection]:
    """Emitted and non-emitted kinds, a lifecycle, two emitted operation.create (ambiguous
    without an id), one operation.read, one external below its threshold."""
    return [
        Detection(id="kind.effect", pattern="kind.effect", confidence=0.81, emitted=True,
                  requirement_ids=["FR-001"]),
        Detection(id="kind.compute", pattern="kind.compute", confidence=0.66, emitted=True),
        Detection(id="kind.reducer", pattern="kind.reducer", confidence=0.31, emitted=False,
                  requirement_ids=["FR-002", "FR-003"]),
        Detection(id="kind.orchestrator", pattern="kind.orchestrator", confidence=0.12,
                  emitted=False),
        Detection(id="lifecycle:order_status", pattern="lifecycle", confidence=0.9, emitted=True),
        Detection(id="operation:order_effect.create_order", pattern="operation.create",
                  confidence=0.77, emitted=True, node="order_effect", operation="create_order"),
        Detection(id="operation:order_effect.create_invoice", pattern="operation.create",
                  confidence=0.58, emitted=True, node="order_effect", operation="create_invoice"),
        Detection(id="operation:order_effect.get_order", pattern="operation.read",
                  confidence=0.7, emitted=True, node="order_effect", operation="get_order"),
        Detection(id=f"{EXTERNAL}:crm", pattern=EXTERNAL, confidence=0.4, emitted=False),
    ]  # fmt: skip


async def store_generation(
    sessionmaker: async_sessionmaker[AsyncSession],
    detections: Sequence[Detection] | None = None,
) -> str:
    items = sample_detections() if detections is None else detections
    result: dict[str, Any] = {"detections": [d.model_dump(mode="json") for d in items]}
    generation = Generation(
        id=uuid.uuid4().hex,
        correlation_id="test",
        project_name="orders",
        prd_sha256="0" * 64,
        prd_text="# Orders",
        options={},
        status="succeeded",
        node_count=1,
        timings_ms={},
        result=result,
        archive_sha256="0" * 64,
    )
    async with sessionmaker() as session, session.begin():
        session.add(generation)
    return generation.id
