"""Generation use cases: run the pipeline, persist the outcome, read it back."""

import hashlib
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.analysis.plan import Detection, Plan
from app.events import outbox
from app.events.schemas import EventType
from app.generation import metrics, queries
from app.generation.errors import (
    PrdTooLarge,
    VerificationFailed,
)
from app.generation.findings import automated_verdicts, findings
from app.generation.models import Artifact, Generation, PhaseTiming
from app.generation.pipeline import Pipeline, PipelineResult
from app.generation.schemas import (
    AnalysisSummary,
)
from app.generation.verdicts import VerdictSink
from app.webhooks.service import Webhooks


def check_prd_size(prd: str, limit: int) -> None:
    size = len(prd.encode("utf-8"))
    if size > limit:
        raise PrdTooLarge(size, limit)


async def plan(pipeline: Pipeline, *, prd: str, project_name: str | None) -> Plan:
    """Analyse a PRD and choose mixins, without rendering anything."""
    return await pipeline.plan(prd, project_name=project_name)


@dataclass(frozen=True)
class Callback:
    """Where the outcome event goes (POST /generate's `callback_url`), and who sends it."""

    url: str
    webhooks: Webhooks


@dataclass(frozen=True)
class Outcome:
    generation: Generation
    files: dict[str, str]
    archive: bytes


async def generate(
    session: AsyncSession,
    pipeline: Pipeline,
    *,
    prd: str,
    project_name: str | None,
    verify: bool,
    correlation_id: str,
    verdicts: VerdictSink | None = None,
    callback: Callback | None = None,
) -> Outcome:
    """Generate, verify and store, with its detections and the automated verdicts on them
    (`verdicts`, in the same transaction). A failed verification is stored as `failed`
    (committed, so it can be read back) and then raised as `VerificationFailed`."""
    result = await pipeline.run(prd, project_name=project_name, verify=verify)
    started = time.perf_counter()
    detections = [*result.plan.detections, *findings(result.plan)]
    generation = _to_row(
        result, prd=prd, verify=verify, correlation_id=correlation_id, detections=detections
    )
    session.add(generation)
    await session.flush()
    if verdicts is not None:
        failed = _failed_checks(generation)
        await verdicts.record_automated(
            session, generation.id, detections, automated_verdicts(detections, failed)
        )
    await session.execute(
        insert(Artifact),
        [
            {
                "generation_id": generation.id,
                "path": path,
                "sha256": hashlib.sha256(content.encode("utf-8")).hexdigest(),
                "content": content,
            }
            for path, content in sorted(result.files.items())
        ],
    )
    timings = [
        {"generation_id": generation.id, "phase": phase, "duration_ms": ms, "node_name": None}
        for phase, ms in result.timings_ms.items()
    ]
    timings += [
        {
            "generation_id": generation.id,
            "phase": "verify_package",
            "node_name": report.package.rsplit("/", 1)[-1],  # the node (fits its column)
            "duration_ms": report.duration_ms,
        }
        for report in result.reports or []
    ]
    await session.execute(insert(PhaseTiming), timings)
    event_id, event_type, payload = await _record_events(session, generation)
    if callback is not None:
        await callback.webhooks.enqueue(session, callback.url, event_type, event_id, payload)
    metrics.observe(generation, persist_ms=(time.perf_counter() - started) * 1000)
    if generation.status == "failed":
        await session.commit()
        raise VerificationFailed(queries.to_read(generation, result.files))
    return Outcome(generation=generation, files=result.files, archive=result.archive)


async def _record_events(
    session: AsyncSession, generation: Generation
) -> tuple[str, EventType, dict[str, Any]]:
    """The generation's events, in its own transaction (the outbox publishes them); the
    outcome event's id, type and payload (what a callback receives)."""
    key = generation.id
    await outbox.record(session, "generation.requested", key, {"generation_id": key})
    outcome: EventType
    payload: dict[str, Any]
    if generation.status == "failed":
        outcome = "generation.failed"
        payload = {"generation_id": key, "error": "verification_failed", "detail": generation.error}
    else:
        outcome = "generation.completed"
        payload = {
            "generation_id": key,
            "status": generation.status,
            "project_name": generation.project_name,
            "node_count": generation.node_count,
            "archive_sha256": generation.archive_sha256,
        }
    return await outbox.record(session, outcome, key, payload), outcome, payload


def _to_row(
    result: PipelineResult,
    *,
    prd: str,
    verify: bool,
    correlation_id: str,
    detections: list[Detection],
) -> Generation:
    reports = {report.package: report for report in result.reports or []}
    nodes: list[dict[str, Any]] = []
    failed: list[str] = []
    for node in result.plan.nodes:
        package_path = _package_path(result.files, node.name)
        report = reports.get(package_path)
        if verify and (report is None or not report.ok):
            failed.append(node.name)
        nodes.append(
            {
                "kind": node.kind,
                "name": node.name,
                "class_name": node.class_name,
                "package_path": package_path,
                "mixins": node.mixins,
                "requirement_ids": node.requirement_ids,
                "verification": report.model_dump(mode="json") if report else None,
            }
        )
    status = "unverified" if not verify else ("failed" if failed else "succeeded")
    analysis = AnalysisSummary(
        title=result.plan.title,
        summary=result.plan.summary,
        requirement_count=len(result.plan.requirements),
        kinds=result.plan.kinds,
    )
    return Generation(
        id=uuid.uuid4().hex,
        correlation_id=correlation_id,
        project_name=result.plan.project_name,
        prd_sha256=result.prd_sha256,
        prd_text=prd,
        options={"project_name": result.plan.project_name, "verify": verify},
        status=status,
        node_count=len(nodes),
        timings_ms=result.timings_ms,
        result={
            "analysis": analysis.model_dump(mode="json"),
            "nodes": nodes,
            "warnings": result.plan.warnings,
            "detections": [d.model_dump(mode="json") for d in detections],
        },
        archive_sha256=result.archive_sha256,
        error=f"verification failed for: {', '.join(failed)}" if failed else None,
    )


def _failed_checks(generation: Generation) -> dict[str, list[str]]:
    """node name -> its failed checks' names, for every node whose verification failed"""
    failed: dict[str, list[str]] = {}
    for node in generation.result["nodes"]:
        report = node["verification"] or {}
        if generation.status != "unverified" and not report.get("ok", False):
            failed[node["name"]] = [c["name"] for c in report.get("checks", []) if not c["ok"]]
    return failed


def _package_path(files: dict[str, str], node_name: str) -> str:
    for path in sorted(files):
        parts = path.split("/")
        if parts[-1] == "contract.yaml" and len(parts) >= 2 and parts[-2] == node_name:
            return "/".join(parts[:-1])
    return node_name
