from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.analysis.plan import (
    Entity,
    ExternalSystem,
    Flow,
    KindDecision,
    NodeKind,
    NodePlan,
    Requirement,
    StateMachine,
)
from app.verification.schemas import PackageReport

GenerationStatus = Literal["succeeded", "failed", "unverified"]


class GenerateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prd: str = Field(description="The PRD as markdown or plain text.")
    project_name: str | None = Field(default=None, max_length=80)
    verify: bool = True


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


class GenerationRead(BaseModel):
    id: str
    status: GenerationStatus
    project_name: str
    prd_sha256: str
    archive_sha256: str
    correlation_id: str
    created_at: datetime
    options: dict[str, Any]
    analysis: AnalysisSummary
    nodes: list[NodeRead]
    project_files: dict[str, str] = Field(default_factory=dict)
    timings_ms: dict[str, float]
    error: str | None = None
    files_pruned_at: datetime | None = Field(
        default=None, description="when retention removed the files (then `files` are empty)"
    )


class GenerationSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    status: GenerationStatus
    project_name: str
    prd_sha256: str
    node_count: int
    created_at: datetime


class GenerationPage(BaseModel):
    items: list[GenerationSummary]
    total: int
    limit: int
    offset: int
