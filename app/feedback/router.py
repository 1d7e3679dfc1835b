"""HTTP routes for feedback: verdicts on detections, ratings of generations (idempotent POSTs)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response, status

from app.auth.guard import Principal, auth_errors, requires
from app.errors import error_responses
from app.feedback.idempotency import Answer
from app.feedback.schemas import (
    GenerationFeedbackIn,
    GenerationFeedbackOut,
    PatternFeedbackIn,
    PatternFeedbackOut,
)
from app.feedback.service import FeedbackService

router = APIRouter(tags=["feedback"])
Caller = Annotated[Principal, requires("feedback", rate="feedback")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="a retry with the same key and body answers the first answer again (header "
        "`Idempotent-Replayed: true`) and is counted once; the same key with another body: 422 "
        "`idempotency_key_reused`",
    ),
]
RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {
        "description": "Stored (or, under a known Idempotency-Key, the first answer again)",
        "headers": {
            "Idempotent-Replayed": {
                "description": "`true` when this is the stored answer to an earlier request "
                "with the same Idempotency-Key (nothing new was stored)",
                "schema": {"type": "string", "enum": ["true"]},
            }
        },
    },
    **error_responses(
        404,
        422,
        *auth_errors("feedback", rate="feedback"),
        descriptions={404: "`not_found`: no such generation"},
    ),
}


def get_service(request: Request) -> FeedbackService:
    service: FeedbackService = request.state.feedback
    return service


ServiceDep = Annotated[FeedbackService, Depends(get_service)]


def _answer(answer: Answer, response: Response) -> None:
    response.status_code = answer.status_code
    if answer.replayed:
        response.headers["Idempotent-Replayed"] = "true"


@router.post("/feedback/patterns", status_code=status.HTTP_201_CREATED, responses=RESPONSES)
async def pattern_feedback(
    svc: ServiceDep,
    caller: Caller,
    body: PatternFeedbackIn,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> PatternFeedbackOut:
    """A verdict on one detection of a generation. 422: `unknown_pattern`, `unknown_detection`,
    `pattern_mismatch`, `verdict_does_not_fit`, `detection_required`, `idempotency_key_reused`."""
    answer = await svc.submit_pattern(body, caller, idempotency_key)
    _answer(answer, response)
    return PatternFeedbackOut.model_validate(answer.body)


@router.post(
    "/generations/{generation_id}/feedback",
    status_code=status.HTTP_201_CREATED,
    responses=RESPONSES,
)
async def generation_feedback(
    svc: ServiceDep,
    caller: Caller,
    generation_id: str,
    body: GenerationFeedbackIn,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> GenerationFeedbackOut:
    """A user's rating of a generation (summed up in `GET /generations/{id}`)."""
    answer = await svc.submit_generation(generation_id, body, caller, idempotency_key)
    _answer(answer, response)
    return GenerationFeedbackOut.model_validate(answer.body)
