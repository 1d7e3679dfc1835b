"""Request and response bodies of the /mixins API."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
)

from app.db import as_utc
from app.mixins.catalog import ClassOrder, NodeKind


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


Kind = Annotated[NodeKind, BeforeValidator(_lower), Field(examples=["effect"])]


def _integral(value: object) -> object:
    """JSON's `5.0` is the integer 5 (as JSON Schema's `integer` says); `5.5` and `"5"` are not."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


class _Request(BaseModel):
    """A request body is exactly what the schema says: no unknown fields, no coercion (`0` is
    not `false`, `"5"` is not `5`)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class CompositionQuery(_Request):
    node_kind: Kind
    mixins: list[str] = Field(min_length=1, examples=[["MixinCaching", "MixinMetrics"]])
    order: ClassOrder = "node_first"


class PredictBatch(_Request):
    items: list[CompositionQuery] = Field(min_length=1, max_length=1000)


def _predict_shape(body: object) -> str:
    return "batch" if isinstance(body, dict) and "items" in body else "one"


# One query, or {"items": [...]}: told apart by the `items` key, so that field errors name the
# shape they were checked against (`["body", "one", "node_kind"]`, `["body", "batch", "items"]`).
PredictIn = Annotated[
    Annotated[CompositionQuery, Tag("one")] | Annotated[PredictBatch, Tag("batch")],
    Discriminator(_predict_shape),
]


class PredictionOut(BaseModel):
    node_kind: str
    order: ClassOrder
    mixins: list[str] = Field(
        description="canonical (sorted) order, the order compositions are built in"
    )
    compatible: bool = Field(description="the composed node passes the whole lifecycle")
    probability: float
    source: str = Field(
        description="measured | static_rule | model | rule_singles | measured_pairs | pairs_*; "
        "`+user` when user reports shifted it"
    )
    model_version: str | None
    reasons: list[str]


class PredictBatchOut(BaseModel):
    items: list[PredictionOut]
    model_version: str | None


class RecommendIn(_Request):
    node_kind: Kind
    capabilities: list[str] = Field(default_factory=list, examples=[["caching", "metrics"]])
    mixins: list[str] = Field(default_factory=list, description="mixins already chosen")
    order: ClassOrder = "node_first"
    limit: Annotated[int, BeforeValidator(_integral)] = Field(default=5, ge=1, le=50)


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


class FeedbackIn(_Request):
    node_kind: Kind
    mixins: list[str] = Field(min_length=1)
    order: ClassOrder = "node_first"
    success: bool
    error: str | None = Field(default=None, max_length=4000)
    generation_id: str | None = Field(default=None, max_length=64)


Verdict = Literal["compatible", "incompatible"]


class FeedbackOut(BaseModel):
    """What happened to a report: stored as user evidence, never as a measurement. A report
    that contradicts the measured outcome makes the oracle run the composition again."""

    recorded: bool = True
    source: Literal["user"] = "user"
    mixin_key: str
    node_kind: str
    order: ClassOrder
    success_count: int = Field(description="user reports of success on this composition")
    failure_count: int = Field(description="user reports of failure on this composition")
    conflicts_with_measured: bool = Field(
        description="the report contradicts the composition's measured outcome"
    )
    remeasured: Verdict | None = Field(
        description="the oracle's fresh run after a conflicting report (null: none was made, "
        "or the oracle could not run)"
    )
    measured: Verdict | None = Field(
        description="the composition's measured outcome after this report (null: never measured)"
    )
    pending_feedback: int = Field(description="feedback received since the model was trained")
    retrain_scheduled: bool


class CatalogOut(BaseModel):
    framework_version: str
    count: int
    mixins: list[dict[str, Any]] = Field(description="each mixin's discovered static profile")


class KindSummary(BaseModel):
    node_kind: str
    combinations: int
    compatible: int
    success_rate: float


class CompatibilityRow(KindSummary):
    class_order: ClassOrder
    n_mixins: int
    observations: int


class CompatibilityOut(BaseModel):
    framework_version: str
    by_kind: list[KindSummary]
    rows: list[CompatibilityRow]


class ModelInfo(BaseModel):
    """The loaded model's metadata (absent fields: no model loaded) and the training state."""

    loaded: bool
    training: bool = Field(description="a training run is in progress")
    last_error: str | None = Field(description="why the last training run failed, if it did")
    framework_version: str
    n_features: int
    measured_compositions: int
    model_version: str | None = None
    training_data_hash: str | None = None
    n_outcomes: int | None = None
    rounds: int | None = None
    train_seconds: float | None = None
    trained_at: Annotated[datetime, AfterValidator(as_utc)] | None = None
    metrics: dict[str, Any] | None = Field(default=None, description="held-out scores")


class TrainingStarted(ModelInfo):
    status: Literal["training"] = "training"
