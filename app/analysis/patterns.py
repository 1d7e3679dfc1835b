"""The vocabulary of detections: every decision the generator makes has one of these patterns.

Feedback, metrics and thresholds are keyed by pattern, so the set is closed (bounded labels):
kinds, lifecycles, flows, one `external.<category>` per catalogue category, the implementation
pattern of each operation, and the findings on the generated code.
"""

from functools import cache
from pathlib import Path

import yaml

KIND_PATTERNS = ("kind.effect", "kind.compute", "kind.reducer", "kind.orchestrator")
LIFECYCLE = "lifecycle"
FLOW = "flow"
OPERATION_PATTERNS = tuple(
    f"operation.{name}"
    for name in (
        "create",
        "read",
        "update",
        "delete",
        "transform",
        "validate",
        "aggregate",
        "transition",
        "coordinate",
        "call_external",
        "notify",
    )
)
FINDING_PATTERNS = (
    "finding.operation_without_prd_fields",  # its models carry no field the PRD names
    "finding.handler_returns_defaults",  # the handler can only answer with defaults
    "finding.uncovered_requirement",  # a requirement no node covers
    "finding.open_transition_table",  # a REDUCER whose transitions the PRD does not state
)
# A kind is emitted when its confidence, score / (score + the PRD's minimum score), reaches
# its threshold: 0.5 is exactly "score >= minimum", the rule before thresholds were tunable.
# Lifecycles and flows the analysis finds are all emitted unless a tuned threshold says more.
DEFAULT_THRESHOLDS: dict[str, float] = {
    **dict.fromkeys(KIND_PATTERNS, 0.5),
    LIFECYCLE: 0.0,
    FLOW: 0.0,
}


@cache
def external_patterns() -> tuple[str, ...]:
    catalogue = Path(__file__).resolve().parent / "data" / "external_systems.yaml"
    categories: list[str] = yaml.safe_load(catalogue.read_text(encoding="utf-8"))["categories"]
    return tuple(f"external.{category}" for category in sorted(categories))


@cache
def all_patterns() -> frozenset[str]:
    return frozenset(
        (
            *KIND_PATTERNS,
            LIFECYCLE,
            FLOW,
            *external_patterns(),
            *OPERATION_PATTERNS,
            *FINDING_PATTERNS,
        )
    )


def kind_pattern(kind: str) -> str:
    return f"kind.{kind.lower()}"
