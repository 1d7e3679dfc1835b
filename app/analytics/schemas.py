"""Bodies of the analytics views (the seed's views, over stored data, in a real window)."""

from datetime import datetime

from pydantic import BaseModel, Field

WINDOW_DOC = "[since, until): default the 24 hours before until (default now)"


class Percentiles(BaseModel):
    count: int
    p50: float | None
    p95: float | None
    p99: float | None
    mean: float | None


class PhasePerformance(Percentiles):
    phase: str


class KindPerformance(Percentiles):
    kind: str = Field(description="node kind: its packages' verification times (ms)")


class PerformanceView(BaseModel):
    since: datetime
    until: datetime
    generations: int = Field(description="generations created in the window")
    phases: list[PhasePerformance] = Field(description="milliseconds per phase")
    node_kinds: list[KindPerformance]
    speedup: Percentiles = Field(
        description="per verified generation: its packages' verification times summed over "
        "the build's wall time (above 1: the packages were verified in parallel)"
    )


class FeedbackView(BaseModel):
    since: datetime
    until: datetime
    count: int
    ratings: dict[str, int] = Field(description="answers per rating 1..5")
    mean_rating: float | None
    ran_rate: float | None
    useful_rate: float | None
    generations: int = Field(description="distinct generations with feedback")


class MixinKindSummary(BaseModel):
    node_kind: str
    compositions: int
    observations: int
    success_rate: float | None


class LowCompatibility(BaseModel):
    mixin_key: str
    node_kind: str
    class_order: str
    successes: int
    failures: int
    success_rate: float
    last_error: str | None


class MixinsView(BaseModel):
    since: datetime
    until: datetime
    kinds: list[MixinKindSummary] = Field(description="measured compositions updated in the window")
    low_compatibility: list[LowCompatibility] = Field(
        description="compositions whose success rate is below `max_success_rate`, "
        "most failures first"
    )
    total_low: int
    limit: int
    offset: int
