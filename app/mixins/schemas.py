"""Request and response bodies of the /mixins API."""

from typing import Any, Literal

from pydantic import BaseModel, Field

Order = Literal["node_first", "mixins_first"]


class CompositionQuery(BaseModel):
    node_kind: str = Field(examples=["effect"])
    mixins: list[str] = Field(examples=[["MixinCaching", "MixinMetrics"]])
    order: Order = "node_first"


class PredictBatch(BaseModel):
    items: list[CompositionQuery] = Field(max_length=1000)


class PredictionOut(BaseModel):
    node_kind: str
    order: Order
    mixins: list[str] = Field(
        description="canonical (sorted) order, the order compositions are built in"
    )
    compatible: bool = Field(description="the composed node passes the whole lifecycle")
    probability: float
    source: str = Field(
        description="measured | static_rule | model | rule_singles | measured_pairs | pairs_*"
    )
    model_version: str | None
    reasons: list[str]


class PredictBatchOut(BaseModel):
    items: list[PredictionOut]
    model_version: str | None


class RecommendIn(BaseModel):
    node_kind: str
    capabilities: list[str] = Field(default_factory=list, examples=[["caching", "metrics"]])
    mixins: list[str] = Field(default_factory=list, description="mixins already chosen")
    order: Order = "node_first"
    limit: int = Field(default=5, ge=1, le=50)


class Recommendation(BaseModel):
    mixin: str
    probability: float
    compatible: bool
    source: str
    capabilities: list[str]
    tags: list[str]


class RecommendOut(BaseModel):
    node_kind: str
    recommendations: list[Recommendation]
    model_version: str | None


class FeedbackIn(BaseModel):
    node_kind: str
    mixins: list[str]
    order: Order = "node_first"
    success: bool
    error: str | None = Field(default=None, max_length=4000)
    generation_id: str | None = Field(default=None, max_length=64)


class FeedbackOut(BaseModel):
    mixin_key: str
    node_kind: str
    order: Order
    success_count: int
    failure_count: int
    pending_feedback: int
    retrain_scheduled: bool


class CatalogOut(BaseModel):
    framework_version: str
    count: int
    mixins: list[dict[str, Any]]


class CompatibilityOut(BaseModel):
    framework_version: str
    by_kind: list[dict[str, Any]]
    rows: list[dict[str, Any]]
