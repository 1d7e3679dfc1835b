"""HTTP routes for mixin compatibility: bodies in, typed bodies out; the work is the service's."""

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, Request, status

from app.auth.guard import auth_errors, requires
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
# reads (GETs, and the read-only POSTs predict/recommend) need any valid key in keys mode;
# feedback needs `feedback` (and is rate-limited), training needs `admin`
ANY_KEY = [requires()]


def get_service(request: Request) -> MixinService:
    service: MixinService = request.state.mixins
    return service


MixinServiceDep = Annotated[MixinService, Depends(get_service)]


@router.get("", dependencies=ANY_KEY, responses=error_responses(*auth_errors()))
async def catalog(svc: MixinServiceDep) -> CatalogOut:
    return svc.listing()


@router.post("/predict", dependencies=ANY_KEY, responses=error_responses(422, *auth_errors()))
async def predict(
    svc: MixinServiceDep, body: Annotated[PredictIn, Body()]
) -> PredictionOut | PredictBatchOut:
    """One `{"node_kind", "mixins", "order"}` query, or `{"items": [...]}` with up to 1,000."""
    if isinstance(body, CompositionQuery):
        return await svc.predict_one(body)
    return await svc.predict_batch(body)


@router.post("/recommend", dependencies=ANY_KEY, responses=error_responses(422, *auth_errors()))
async def recommend(svc: MixinServiceDep, body: RecommendIn) -> RecommendOut:
    return await svc.recommend_mixins(body)


@router.post(
    "/feedback",
    status_code=status.HTTP_201_CREATED,
    dependencies=[requires("feedback", rate="feedback")],
    responses=error_responses(422, *auth_errors("feedback", rate="feedback")),
)
async def feedback(svc: MixinServiceDep, session: SessionDep, body: FeedbackIn) -> FeedbackOut:
    """Report an observed outcome. Stored as user evidence, never as a measurement: a report that
    contradicts the measured outcome makes the oracle run the composition again, and the body
    says so (`conflicts_with_measured`, `remeasured`). Every `mixins.retrain_after_feedback`
    reports start a retraining."""
    return await svc.feedback(session, body)


@router.get("/model", dependencies=ANY_KEY, responses=error_responses(*auth_errors()))
async def model(svc: MixinServiceDep) -> ModelInfo:
    return svc.model_info()


@router.post(
    "/model/train",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[requires("admin")],
    responses=error_responses(409, *auth_errors("admin")),
)
async def train(svc: MixinServiceDep) -> TrainingStarted:
    """Retrain in the background; 409 while a run is in progress or without enough data."""
    await svc.start_training()
    return TrainingStarted.model_validate(svc.model_info().model_dump())


@router.get("/compatibility", dependencies=ANY_KEY, responses=error_responses(*auth_errors()))
async def compatibility(svc: MixinServiceDep, session: SessionDep) -> CompatibilityOut:
    return await svc.compatibility(session)


_NAMED_MIXINS = ("CompositionQuery", "RecommendIn", "FeedbackIn")


def document_catalog(app: FastAPI, names: Iterable[str]) -> None:
    """The catalog's mixin names as the `enum` of every `mixins` item in the OpenAPI document
    (the catalog is discovered at startup: a name outside it is a 422 `unknown_mixin`)."""
    known = sorted(names)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            components = schema.get("components", {}).get("schemas", {})
            for model in _NAMED_MIXINS:
                items = components.get(model, {}).get("properties", {}).get("mixins", {})
                if "items" in items:
                    items["items"] = {**items["items"], "enum": known}
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi_schema = None
    app.openapi = openapi  # type: ignore[method-assign]
