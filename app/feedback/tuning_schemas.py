"""Bodies of the pattern metrics, tuning and threshold routes."""

from datetime import datetime

from pydantic import BaseModel, Field


class RawCounts(BaseModel):
    """Verdict rows by category, and the figures computed from them."""

    tp: int = Field(description="correct on an emitted detection")
    fp: int = Field(description="incorrect on an emitted detection")
    fn: int = Field(description="missed (or incorrect on a non-emitted detection)")
    partial: int = Field(description="partial on an emitted detection: half TP, half FP")
    tn: int = Field(description="correct on a non-emitted detection (rightly not emitted)")
    precision: float | None = Field(description="(tp + partial/2) / (tp + fp + partial)")
    recall: float | None = Field(description="tp / (tp + fn)")
    f1: float | None


class WeightedCounts(BaseModel):
    """The same, each verdict counted at its weight (feedback.user_weight/automated_weight)."""

    tp: float
    fp: float
    fn: float
    partial: float
    tn: float
    precision: float | None
    recall: float | None
    f1: float | None


class Interval(BaseModel):
    low: float
    high: float


class PatternMetricsOut(BaseModel):
    pattern: str
    samples: int = Field(description="verdict rows in the window, `ignored` included")
    ignored: int = Field(description="rows that fit no category (partial on a non-emitted one)")
    raw: RawCounts
    weighted: WeightedCounts
    precision_interval: Interval | None = Field(
        description="Wilson 95 %, raw counts: tp + partial/2 successes of tp + fp + partial"
    )
    recall_interval: Interval | None = Field(description="Wilson 95 %, raw counts: tp of tp + fn")


class MetricsOut(BaseModel):
    since: datetime | None
    until: datetime | None
    patterns: list[PatternMetricsOut] = Field(description="patterns with feedback in the window")


class SliceFigures(BaseModel):
    precision: float | None
    recall: float | None
    f1: float | None
    n: int = Field(description="samples in the slice")


class TuningFigures(BaseModel):
    """before: at the threshold in force; after: at the proposed one (absent without one)."""

    tuning: dict[str, SliceFigures]
    validation: dict[str, SliceFigures]


class DecisionOut(BaseModel):
    pattern: str
    current: float = Field(description="the threshold in force before tuning")
    proposed: float | None
    applied: bool
    reason: str
    version: int | None = Field(description="the new active version when applied")
    figures: TuningFigures | None


class TuneOut(BaseModel):
    decisions: list[DecisionOut]


class ThresholdVersion(BaseModel):
    version: int
    threshold: float
    created_at: datetime
    figures: TuningFigures | None


class ThresholdOut(BaseModel):
    pattern: str
    threshold: float | None = Field(description="in force: the active version's, else default")
    default: float | None = Field(description="the built-in default (None: the pattern has none)")
    active: ThresholdVersion | None = Field(description="the active tuned version, if any")
    history: int = Field(description="versions ever created")


class ThresholdsOut(BaseModel):
    patterns: list[ThresholdOut]


class RollbackOut(BaseModel):
    pattern: str
    rolled_back_version: int
    active_version: int | None = Field(description="re-activated version; None: the default")
    threshold: float | None = Field(description="in force now")
