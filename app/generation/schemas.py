from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.analysis.plan import (
    Detection,
    Entity,
    ExternalSystem,
    Flow,
    KindDecision,
    NodeKind,
    NodePlan,
    Requirement,
    StateMachine,
)
from app.db import as_utc
from app.verification.schemas import PackageReport

GenerationStatus = Literal["succeeded", "failed", "unverified"]
# always timezone-aware UTC, whatever the database hands back
UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]

# at least one character that is neither white space nor a control character (those are
# removed before analysis: a PRD of nothing else is empty)
PRD_PATTERN = r"[^\s\x00-\x1f\x7f]"
PROJECT_NAME_MAX = 80
WARNINGS_DOC = (
    "names not taken as written, and why: a project name that is a module the package "
    "imports (`json` becomes `json_project`), names shortened to their length limit"
)

DETECTIONS_DOC = (
    "every decision made, with its confidence: the kinds considered (`emitted: false` below "
    "their threshold), lifecycles, flows, `external.<category>`, each operation's pattern, and "
    "findings on the generated code; give verdicts on them at POST /feedback/patterns"
)

EXAMPLE_PRD = """# unitconv: a tiny unit conversion library

unitconv converts measurements between units. It is a pure function library with no storage.

## Requirements
1. Convert lengths between metres, feet and inches.
2. Convert temperatures between Celsius, Fahrenheit and Kelvin.
3. Validate that the input value is a finite number and reject unknown units.
"""


class GenerateRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"prd": EXAMPLE_PRD, "project_name": "unitconv"}]},
    )

    prd: str = Field(
        min_length=1,
        pattern=PRD_PATTERN,
        description="The PRD as markdown or plain text (UTF-8; at most `generation.max_prd_bytes`"
        " bytes, 256 KiB by default: larger is 413). Control characters other than tab and "
        "newline are removed before analysis.",
    )
    project_name: str | None = Field(
        default=None,
        max_length=PROJECT_NAME_MAX,
        description="The top-level package's name (made a safe identifier; derived from the "
        "PRD's title when absent or when nothing usable is left)",
    )
    verify: bool = True
    callback_url: str | None = Field(
        default=None,
        max_length=2048,
        description="POST /generate only: where the generation's `generation.completed` or "
        "`generation.failed` event is POSTed, signed (`X-Signature-256`), retried until "
        "delivered or parked. Only hosts in `webhooks.allowed_hosts`; private, loopback and "
        "link-local addresses are refused unless `webhooks.allow_private` (422 "
        "`callback_url_refused`)",
    )


class PlanResponse(BaseModel):
    """What would be generated, and why: the analysis without any files."""

    project_name: str
    title: str
    summary: str
    requirements: list[Requirement]
    kinds: list[KindDecision]
    entities: list[Entity]
    state_machines: list[StateMachine]
    flows: list[Flow]
    external_systems: list[ExternalSystem]
    nodes: list[NodePlan]
    warnings: list[str] = Field(default_factory=list, description=WARNINGS_DOC)
    detections: list[Detection] = Field(default_factory=list, description=DETECTIONS_DOC)


class AnalysisSummary(BaseModel):
    title: str
    summary: str
    requirement_count: int
    kinds: list[KindDecision]


class NodeRead(BaseModel):
    kind: NodeKind
    name: str
    class_name: str
    package_path: str
    mixins: list[str]
    requirement_ids: list[str]
    files: dict[str, str] = Field(default_factory=dict)
    verification: PackageReport | None = None


class GenerationFeedbackSummary(BaseModel):
    """What users said about a generation (POST /generations/{id}/feedback), summed up."""

    count: int
    mean_rating: float | None
    ran_rate: float | None = Field(description="share of answers that ran the code")
    useful_rate: float | None
    last_at: UtcDatetime | None = None


class GenerationRead(BaseModel):
    id: str
    status: GenerationStatus
    project_name: str
    prd_sha256: str
    archive_sha256: str
    correlation_id: str
    created_at: UtcDatetime
    options: dict[str, Any]
    analysis: AnalysisSummary
    nodes: list[NodeRead]
    project_files: dict[str, str] = Field(default_factory=dict)
    timings_ms: dict[str, float]
    error: str | None = None
    warnings: list[str] = Field(default_factory=list, description=WARNINGS_DOC)
    files_pruned_at: UtcDatetime | None = Field(
        default=None, description="when retention removed the files (then `files` are empty)"
    )
    detections: list[Detection] = Field(default_factory=list, description=DETECTIONS_DOC)
    feedback: GenerationFeedbackSummary | None = Field(
        default=None, description="users' answers at POST /generations/{id}/feedback, summed up"
    )


class GenerationSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    status: GenerationStatus
    project_name: str
    prd_sha256: str
    node_count: int
    created_at: UtcDatetime


class GenerationPage(BaseModel):
    items: list[GenerationSummary]
    total: int
    limit: int
    offset: int
