"""Bodies of the feedback routes: verdicts on detections and ratings of whole generations."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
)

from app.analysis.patterns import all_patterns
from app.db import as_utc

UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]
Verdict = Literal["correct", "incorrect", "partial", "missed"]
Source = Literal["user", "automated"]
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL
RequirementId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NO_NUL)]
PatternName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
# the closed vocabulary, stated in the schema (a name outside it is a 422 `unknown_pattern`)
PATTERNS: list[JsonValue] = [*sorted(all_patterns())]
FilePath = Annotated[str, StringConstraints(min_length=1, max_length=512, pattern=NO_NUL)]
FileNote = Annotated[str, StringConstraints(max_length=4000, pattern=NO_NUL)]
Comment = Annotated[str, StringConstraints(max_length=4000, pattern=NO_NUL)]


def _integral(value: object) -> object:
    """JSON Schema's integer: 3.0 is one (then 3); "3" and true are not (strict refuses them)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # no 0 for false, no "3" for 3


class PatternFeedbackIn(_In):
    """A verdict on one detection of a generation (or on a pattern it should have produced)."""

    generation_id: str = Field(min_length=1, max_length=32)
    detection_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="the detection judged; without it, the verdict binds by pattern: `missed` to "
        "the one non-emitted detection of that pattern (if exactly one), the others to the one "
        "emitted detection of that pattern (422 `detection_required` if none or several)",
    )
    pattern: PatternName = Field(json_schema_extra={"enum": PATTERNS})
    verdict: Verdict = Field(
        description="emitted detection: correct (true positive), incorrect (false positive), "
        "partial; non-emitted detection: missed (false negative) or correct (rightly not emitted)"
    )
    actual_pattern: PatternName | None = Field(
        default=None,
        description="what it should have been, e.g. kind.compute for a kind.effect",
        json_schema_extra={"enum": [*PATTERNS, None]},
    )
    requirement_ids: list[RequirementId] | None = Field(
        default=None, max_length=100, description="default: the detection's"
    )
    source: Source = "user"
    comment: Comment | None = None


class PatternFeedbackOut(BaseModel):
    id: int
    generation_id: str
    detection_id: str | None
    pattern: str
    verdict: Verdict
    actual_pattern: str | None
    requirement_ids: list[str]
    source: Source
    weight: float = Field(description="what it counts for: feedback.user_weight/automated_weight")
    confidence: float | None = Field(description="the detection's, when the verdict is bound")
    emitted: bool | None
    comment: str | None
    created_at: UtcDatetime


class GenerationFeedbackIn(_In):
    """A user's rating of a whole generation."""

    ran: bool = Field(description="the generated code was run")
    rating: Annotated[int, BeforeValidator(_integral)] = Field(ge=1, le=5)
    useful: bool
    comment: Comment | None = None
    files: dict[FilePath, FileNote] = Field(
        default_factory=dict, max_length=200, description="path -> note"
    )


class GenerationFeedbackOut(BaseModel):
    id: int
    generation_id: str
    ran: bool
    rating: int
    useful: bool
    comment: str | None
    files: dict[str, str]
    created_at: UtcDatetime
