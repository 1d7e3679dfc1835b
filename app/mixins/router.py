"""HTTP routes for mixin compatibility: bodies in, typed bodies out; the work is the service's."""

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request, status

from app.db import SessionDep
from app.errors import error_responses
from app.mixins.schemas import (
    CatalogOut,
    CompatibilityOut,
    CompositionQuery,
    FeedbackIn,
    FeedbackOut,
    ModelInfo,
    PredictBatchOut,
    PredictIn,
    PredictionOut,
    RecommendIn,
    RecommendOut,
    TrainingStarted,
)
from app.mixins.service import MixinService

router = APIRouter(prefix="/mixins", tags=["mixins"])


def get_service(request: Request) -> MixinService:
    service: MixinService = request.state.mixins
    return service


MixinServiceDep = Annotated[MixinService, Depends(get_service)]


@router.get("")
async def catalog(svc: MixinServiceDep) -> CatalogOut:
    return svc.listing()


@router.post("/predict", responses=error_responses(422))
async def predict(
    svc: MixinServiceDep, body: Annotated[PredictIn, Body()]
) -> PredictionOut | PredictBatchOut:
    """One `{"node_kind", "mixins", "order"}` query, or `{"items": [...]}` with up to 1,000."""
    if isinstance(body, CompositionQuery):
        return await svc.predict_one(body)
    return await svc.predict_batch(body)


@router.post("/recommend", responses=error_responses(422))
async def recommend(svc: MixinServiceDep, body: RecommendIn) -> RecommendOut:
    return await svc.recommend_mixins(body)


@router.post("/feedback", status_code=status.HTTP_201_CREATED, responses=error_responses(422))
async def feedback(svc: MixinServiceDep, session: SessionDep, body: FeedbackIn) -> FeedbackOut:
    """Record an observed outcome (every `mixins.retrain_after_feedback` start a retraining)."""
    return await svc.feedback(session, body)


@router.get("/model")
async def model(svc: MixinServiceDep) -> ModelInfo:
    return svc.model_info()


@router.post("/model/train", status_code=status.HTTP_202_ACCEPTED, responses=error_responses(409))
async def train(svc: MixinServiceDep) -> TrainingStarted:
    """Retrain in the background; 409 while a run is in progress or without enough data."""
    await svc.start_training()
    return TrainingStarted.model_validate(svc.model_info().model_dump())


@router.get("/compatibility")
async def compatibility(svc: MixinServiceDep, session: SessionDep) -> CompatibilityOut:
    return await svc.compatibility(session)
