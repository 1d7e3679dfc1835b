"""HTTP routes for pattern metrics, tuning and thresholds; the work is PatternTuner's."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from app.auth.guard import auth_errors, requires
from app.db import SessionDep
from app.errors import error_responses
from app.feedback.tuning_schemas import MetricsOut, RollbackOut, ThresholdsOut, TuneOut
from app.feedback.tuning_service import PatternTuner
from app.timestamps import IsoDatetime

router = APIRouter(prefix="/patterns", tags=["feedback"])


def get_tuner(request: Request) -> PatternTuner:
    tuner: PatternTuner = request.state.pattern_tuner
    return tuner


TunerDep = Annotated[PatternTuner, Depends(get_tuner)]


@router.get(
    "/metrics",
    dependencies=[requires("feedback")],
    responses=error_responses(422, *auth_errors("feedback")),
)
async def metrics(
    tuner: TunerDep,
    session: SessionDep,
    since: Annotated[
        IsoDatetime | None, Query(description="created_at >= since (ISO 8601)")
    ] = None,
    until: Annotated[
        IsoDatetime | None, Query(description="created_at <= until (ISO 8601)")
    ] = None,
) -> MetricsOut:
    """Per pattern with feedback in the window: weighted and raw TP/FP/FN/partial/TN counts,
    precision = (TP + partial/2) / (TP + FP + partial), recall = TP / (TP + FN), F1, and Wilson
    95 % intervals on the raw counts. A zone-less datetime is UTC; 422 when since > until."""
    return await tuner.metrics(session, since, until)


@router.post(
    "/tune", dependencies=[requires("admin")], responses=error_responses(*auth_errors("admin"))
)
async def tune(tuner: TunerDep) -> TuneOut:
    """Per pattern with feedback: the threshold maximising weighted F1 on the older
    `feedback.tune_fraction` of its verdicts (or the lowest reaching
    `feedback.target_precision`), applied as a new active version only when F1 on the newer
    rest strictly improves, and only with `feedback.min_samples` verdicts with a confidence."""
    return await tuner.tune()


@router.get(
    "/thresholds",
    dependencies=[requires("feedback")],
    responses=error_responses(*auth_errors("feedback")),
)
async def thresholds(tuner: TunerDep, session: SessionDep) -> ThresholdsOut:
    """Per pattern with a default or a tuned history: the threshold in force, its default, the
    active version with the figures that justified it, and how many versions exist."""
    return await tuner.thresholds(session)


@router.post(
    "/thresholds/{pattern}/rollback",
    dependencies=[requires("admin")],
    responses=error_responses(404, 409, *auth_errors("admin")),
)
async def rollback(tuner: TunerDep, pattern: str) -> RollbackOut:
    """Deactivate the active version and re-activate the one it replaced (none: the default).
    404 `pattern_not_found` outside the vocabulary; 409 `nothing_to_roll_back` when the pattern
    is on its default already."""
    return await tuner.rollback(pattern)
