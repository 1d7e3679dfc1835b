"""GET /analytics/*: the seed's analytics views over stored data, each in a real time window
(/analytics/events lives with the events capability). Reading them needs the `feedback` scope."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.analytics import service
from app.analytics.schemas import WINDOW_DOC, FeedbackView, MixinsView, PerformanceView
from app.analytics.window import window
from app.auth.guard import auth_errors, requires
from app.db import SessionDep
from app.errors import error_responses
from app.feedback.tuning_schemas import MetricsOut
from app.feedback.tuning_service import PatternTuner
from app.timestamps import IsoDatetime

router = APIRouter(prefix="/analytics", tags=["analytics"])
_READ = [requires("feedback")]
_ERRORS = error_responses(422, *auth_errors("feedback"))
Since = Annotated[IsoDatetime | None, Query(description=f"window start; {WINDOW_DOC}")]
Until = Annotated[IsoDatetime | None, Query(description="window end (exclusive); default now")]


@router.get("/performance", dependencies=_READ, responses=_ERRORS)
async def performance(
    session: SessionDep, since: Since = None, until: Until = None
) -> PerformanceView:
    """p50/p95/p99 per generation phase and per node kind (ms), and the parallel speed-up."""
    return await service.performance(session, window(since, until))


@router.get("/feedback", dependencies=_READ, responses=_ERRORS)
async def feedback(session: SessionDep, since: Since = None, until: Until = None) -> FeedbackView:
    """Users' answers on generations: ratings, mean, ran and useful rates."""
    return await service.feedback(session, window(since, until))


@router.get("/mixins", dependencies=_READ, responses=_ERRORS)
async def mixins(
    session: SessionDep,
    since: Since = None,
    until: Until = None,
    max_success_rate: Annotated[float, Query(ge=0, le=1)] = 0.5,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> MixinsView:
    """Measured compatibility per node kind, and the low-compatibility compositions."""
    w = window(since, until)
    return await service.mixins(
        session, w, max_success_rate=max_success_rate, limit=limit, offset=offset
    )


@router.get("/patterns", dependencies=_READ, responses=_ERRORS)
async def patterns(
    session: SessionDep, request: Request, since: Since = None, until: Until = None
) -> MetricsOut:
    """Per detection pattern: verdict counts, precision, recall, F1 (as /patterns/metrics)."""
    w = window(since, until)
    tuner: PatternTuner = request.state.pattern_tuner
    return await tuner.metrics(session, w.since, w.until)
