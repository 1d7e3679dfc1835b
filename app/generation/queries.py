"""Reading stored generations back: one with its files, a page of them, the archive."""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.generation.archive import build_archive
from app.generation.errors import FilesPruned, GenerationNotFound
from app.generation.models import Artifact, Generation
from app.generation.retention import pruned_at
from app.generation.schemas import (
    AnalysisSummary,
    GenerationFeedbackSummary,
    GenerationPage,
    GenerationRead,
    GenerationSummary,
    NodeRead,
)
from app.generation.verdicts import FeedbackSummaries


async def get(session: AsyncSession, generation_id: str) -> Generation:
    generation = await session.get(Generation, generation_id)
    if generation is None:
        raise GenerationNotFound(generation_id)
    return generation


async def read(
    session: AsyncSession, generation_id: str, summaries: FeedbackSummaries | None
) -> GenerationRead:
    generation = await get(session, generation_id)
    files = await files_of(session, generation_id)
    feedback = await summaries.summary(session, generation_id) if summaries else None
    return to_read(generation, files, feedback)


def require_files(generation: Generation) -> None:
    """FilesPruned (410) when retention removed this generation's files."""
    if (at := pruned_at(generation)) is not None:
        raise FilesPruned(generation.id, at.isoformat())


async def files_of(session: AsyncSession, generation_id: str) -> dict[str, str]:
    rows = await session.execute(
        select(Artifact.path, Artifact.content).where(Artifact.generation_id == generation_id)
    )
    return {path: content for path, content in rows.all()}  # noqa: C416 - rows, not pairs


async def archive_of(session: AsyncSession, generation: Generation) -> bytes:
    """Rebuild the archive from the stored files: byte-identical by construction."""
    files = await files_of(session, generation.id)
    return build_archive(files, root=generation.project_name)


async def page(session: AsyncSession, *, limit: int, offset: int) -> GenerationPage:
    total = await session.scalar(select(func.count()).select_from(Generation)) or 0
    rows = await session.scalars(
        select(Generation)
        .order_by(Generation.created_at.desc(), Generation.id)
        .limit(limit)
        .offset(offset)
    )
    items = [GenerationSummary.model_validate(g) for g in rows]
    return GenerationPage(items=items, total=total, limit=limit, offset=offset)


def to_read(
    generation: Generation,
    files: dict[str, str],
    feedback: GenerationFeedbackSummary | None = None,
) -> GenerationRead:
    result: dict[str, Any] = generation.result
    nodes = []
    claimed: set[str] = set()
    for node in result["nodes"]:
        prefix = node["package_path"] + "/"
        own = {p[len(prefix) :]: c for p, c in files.items() if p.startswith(prefix)}
        claimed.update(prefix + p for p in own)
        nodes.append(NodeRead(**node, files=own))
    return GenerationRead(
        id=generation.id,
        status=generation.status,
        project_name=generation.project_name,
        prd_sha256=generation.prd_sha256,
        archive_sha256=generation.archive_sha256,
        correlation_id=generation.correlation_id,
        created_at=generation.created_at,
        options=generation.options,
        analysis=AnalysisSummary(**result["analysis"]),
        nodes=nodes,
        project_files={p: c for p, c in files.items() if p not in claimed},
        timings_ms=generation.timings_ms,
        error=generation.error,
        warnings=result.get("warnings", []),
        files_pruned_at=pruned_at(generation),
        detections=result.get("detections", []),
        feedback=feedback,
    )
