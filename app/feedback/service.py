"""The feedback capability: verdicts on detections and ratings of generations, each written once
per Idempotency-Key; also generation's `VerdictSink` and `FeedbackSummaries`."""

from collections.abc import Callable, Sequence

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.analysis.plan import Detection
from app.auth.guard import Principal
from app.config import FeedbackSettings
from app.events import outbox
from app.feedback.binding import Binding, bind, check_patterns, find, stored_detections
from app.feedback.idempotency import Answer, Body, Claim, recorded, write_once
from app.feedback.models import GenerationFeedback, PatternFeedback
from app.feedback.schemas import (
    GenerationFeedbackIn,
    GenerationFeedbackOut,
    PatternFeedbackIn,
    PatternFeedbackOut,
)
from app.generation.errors import GenerationNotFound
from app.generation.models import Generation
from app.generation.schemas import GenerationFeedbackSummary
from app.generation.verdicts import AutomatedVerdict
from app.storage import WriteFailures

PATTERNS_ROUTE = "feedback.patterns"
GENERATION_ROUTE = "generations.feedback"


class FeedbackService:
    def __init__(
        self,
        settings: FeedbackSettings,
        sessionmaker: async_sessionmaker[AsyncSession],
        writes: WriteFailures | None = None,
    ) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.writes = writes  # storage failures /health reports: a commit clears them
        # called after a verdict is recorded: the lifespan sets the /metrics gauges' refresh
        self.on_recorded: Callable[[], None] = lambda: None

    def weight(self, source: str) -> float:
        automated = source == "automated"
        return self.settings.automated_weight if automated else self.settings.user_weight

    async def submit_pattern(
        self, body: PatternFeedbackIn, principal: Principal, key: str | None
    ) -> Answer:
        check_patterns(body.pattern, body.actual_pattern)
        claim = _claim(PATTERNS_ROUTE, principal, key, body.model_dump(mode="json"))
        async with self.sessionmaker() as session:
            if claim is not None and (stored := await recorded(session, claim)) is not None:
                return stored
            generation = await _generation(session, body.generation_id)
            detections = stored_detections(generation.result)
        binding = bind(
            body.generation_id, detections, body.detection_id, body.pattern, body.verdict
        )

        async def write(session: AsyncSession) -> Body:
            row = self._pattern_row(body, binding)
            session.add(row)
            await session.flush()
            event = {
                "generation_id": row.generation_id,
                "kind": "pattern",
                "feedback_id": row.id,
                "pattern": row.pattern,
                "verdict": row.verdict,
                "source": row.source,
            }
            await outbox.record(session, "feedback.recorded", row.generation_id, event)
            return PatternFeedbackOut.model_validate(row, from_attributes=True).model_dump(
                mode="json"
            )

        answer = await write_once(self.sessionmaker, claim, write, writes=self.writes)
        self.on_recorded()
        return answer

    def _pattern_row(self, body: PatternFeedbackIn, binding: Binding) -> PatternFeedback:
        detection = binding.detection
        requirement_ids = body.requirement_ids
        if requirement_ids is None:
            requirement_ids = list(detection.requirement_ids) if detection is not None else []
        return PatternFeedback(
            generation_id=body.generation_id,
            detection_id=detection.id if detection is not None else None,
            pattern=body.pattern,
            verdict=body.verdict,
            actual_pattern=body.actual_pattern,
            requirement_ids=requirement_ids,
            source=body.source,
            weight=self.weight(body.source),
            confidence=binding.confidence,
            emitted=binding.emitted,
            comment=body.comment,
        )

    async def submit_generation(
        self,
        generation_id: str,
        body: GenerationFeedbackIn,
        principal: Principal,
        key: str | None,
    ) -> Answer:
        request = {"generation_id": generation_id, **body.model_dump(mode="json")}
        claim = _claim(GENERATION_ROUTE, principal, key, request)
        async with self.sessionmaker() as session:
            if claim is not None and (stored := await recorded(session, claim)) is not None:
                return stored
            await _generation(session, generation_id)

        async def write(session: AsyncSession) -> Body:
            row = GenerationFeedback(generation_id=generation_id, **body.model_dump())
            session.add(row)
            await session.flush()
            event = {
                "generation_id": generation_id,
                "kind": "generation",
                "feedback_id": row.id,
                "rating": row.rating,
                "ran": row.ran,
                "useful": row.useful,
            }
            await outbox.record(session, "feedback.recorded", generation_id, event)
            out = GenerationFeedbackOut.model_validate(row, from_attributes=True)
            return out.model_dump(mode="json")

        return await write_once(self.sessionmaker, claim, write, writes=self.writes)

    async def summary(
        self, session: AsyncSession, generation_id: str
    ) -> GenerationFeedbackSummary | None:
        """What users said about the generation (FeedbackSummaries); None when nobody did."""
        rows = GenerationFeedback
        query = select(
            func.count(rows.id),
            func.avg(rows.rating),
            func.avg(case((rows.ran, 1.0), else_=0.0)),
            func.avg(case((rows.useful, 1.0), else_=0.0)),
            func.max(rows.created_at),
        ).where(rows.generation_id == generation_id)
        count, rating, ran, useful, last_at = (await session.execute(query)).one()
        if not count:
            return None
        return GenerationFeedbackSummary(
            count=count,
            mean_rating=float(rating),
            ran_rate=float(ran),
            useful_rate=float(useful),
            last_at=last_at,
        )

    async def record_automated(
        self,
        session: AsyncSession,
        generation_id: str,
        detections: Sequence[Detection],
        verdicts: Sequence[AutomatedVerdict],
    ) -> None:
        """Generation's VerdictSink: the verdicts as `automated` rows in `session`, uncommitted
        (the caller commits them with its generation)."""
        for verdict in verdicts:
            detection = find(detections, verdict.detection_id)
            session.add(
                PatternFeedback(
                    generation_id=generation_id,
                    detection_id=verdict.detection_id,
                    pattern=verdict.pattern,
                    verdict=verdict.verdict,
                    actual_pattern=None,
                    requirement_ids=list(detection.requirement_ids) if detection else [],
                    source="automated",
                    weight=self.settings.automated_weight,
                    confidence=detection.confidence if detection else None,
                    emitted=detection.emitted if detection else None,
                    comment=verdict.comment or None,
                )
            )


def _claim(route: str, principal: Principal, key: str | None, request: object) -> Claim | None:
    return None if key is None else Claim.of(route, principal, key, request)


async def _generation(session: AsyncSession, generation_id: str) -> Generation:
    generation = None if "\x00" in generation_id else await session.get(Generation, generation_id)
    if generation is None:
        raise GenerationNotFound(generation_id)
    return generation
