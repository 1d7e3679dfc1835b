"""HTTP routes for mixin compatibility (thin: validation and work live in service/runtime)."""

import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Body, Depends, Request, status
from fastapi.responses import JSONResponse

from app.db import SessionDep
from app.errors import Conflict, InvalidInput
from app.mixins import service
from app.mixins.runtime import MixinRuntime
from app.mixins.schemas import (
    CatalogOut,
    CompatibilityOut,
    CompositionQuery,
    FeedbackIn,
    FeedbackOut,
    PredictBatch,
    PredictBatchOut,
    PredictionOut,
    RecommendIn,
    RecommendOut,
)

router = APIRouter(prefix="/mixins", tags=["mixins"])


def get_runtime(request: Request) -> MixinRuntime:
    runtime: MixinRuntime = request.state.mixins
    return runtime


MixinRuntimeDep = Annotated[MixinRuntime, Depends(get_runtime)]


@router.get("", response_model=CatalogOut)
async def catalog(rt: MixinRuntimeDep) -> CatalogOut:
    mixins = [p.public() for p in rt.catalog.mixins.values()]
    return CatalogOut(
        framework_version=rt.catalog.framework_version, count=len(mixins), mixins=mixins
    )


@router.post("/predict", response_model=PredictionOut | PredictBatchOut)
async def predict(rt: MixinRuntimeDep, body: Annotated[dict[str, Any], Body()]) -> JSONResponse:
    """One `{"node_kind", "mixins", "order"}` query, or `{"items": [...]}` with up to 1,000."""
    if "items" in body:
        batch = _parse(PredictBatch, body)
        items = await service.predict(rt, batch.items, prefix=True)
        return JSONResponse({"items": items, "model_version": rt.predictor.model_version})
    one = await service.predict(rt, [_parse(CompositionQuery, body)], prefix=False)
    return JSONResponse(one[0])


def _parse[T: (PredictBatch, CompositionQuery)](model: type[T], body: dict[str, Any]) -> T:
    from pydantic import ValidationError

    try:
        return model.model_validate(body)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err.get("loc", ()))
        raise InvalidInput(f"{loc}: {err.get('msg')}", field=loc, value=err.get("input")) from None


@router.post("/recommend", response_model=RecommendOut)
async def recommend(rt: MixinRuntimeDep, body: RecommendIn) -> RecommendOut:
    return await service.recommend(rt, body)


@router.post("/feedback", response_model=FeedbackOut, status_code=status.HTTP_201_CREATED)
async def feedback(
    rt: MixinRuntimeDep, session: SessionDep, body: FeedbackIn, background: BackgroundTasks
) -> FeedbackOut:
    out = await service.feedback(rt, session, body)
    if out.retrain_scheduled:
        background.add_task(_retrain, rt)
    return out


async def _retrain(rt: MixinRuntime) -> None:
    if not rt.training:
        with contextlib.suppress(Conflict):
            await rt.start_training()


@router.get("/model")
async def model(rt: MixinRuntimeDep) -> dict[str, Any]:
    return rt.model_info()


@router.post("/model/train", status_code=status.HTTP_202_ACCEPTED)
async def train(rt: MixinRuntimeDep) -> dict[str, Any]:
    await rt.start_training()  # Conflict (409) while a run is in progress or without data
    return {"status": "training", **rt.model_info()}


@router.get("/compatibility", response_model=CompatibilityOut)
async def compatibility(rt: MixinRuntimeDep, session: SessionDep) -> CompatibilityOut:
    return await service.compatibility(rt, session)
