"""Findings on the generated code (the seed's quality validation), and the automated verdicts
they and the verifier give on the analysis decisions behind that code.

A finding is a detection too (pattern `finding.*`, always emitted): an operation whose models
carry no field the PRD names, a handler that can only answer with defaults, requirements no node
covers, a REDUCER whose transition table is open because the PRD never says how states connect.
Each one, and each package that fails verification, is evidence against the decision that made
the code: recorded as feedback with `source: automated` (weighted below users' verdicts).
"""

from collections.abc import Mapping

from app.analysis.plan import Detection, NodePlan, Operation, Plan
from app.generation.verdicts import AutomatedVerdict

_MAX_UNCOVERED = 50  # requirement ids listed on the one uncovered-requirements finding


def _defaults_only(op: Operation) -> bool:
    """True when every output field starts at its type's zero (none is carried from input)."""
    inputs = {(f.name, f.type) for f in op.input_fields}
    return not op.output_fields or all((f.name, f.type) not in inputs for f in op.output_fields)


def _finding(
    pattern: str,
    subject: str,
    node: NodePlan | None,
    requirement_ids: list[str],
    operation: str | None = None,
) -> Detection:
    return Detection(
        id=f"{pattern}:{subject}",
        pattern=pattern,
        confidence=1.0,
        emitted=True,
        node=node.name if node else None,
        operation=operation,
        requirement_ids=requirement_ids,
    )


def findings(plan: Plan) -> list[Detection]:
    found: list[Detection] = []
    for node in plan.nodes:
        for op in node.operations:
            where = f"{node.name}.{op.name}"
            if not op.input_fields and not op.output_fields:
                pattern = "finding.operation_without_prd_fields"
                found.append(
                    _finding(
                        pattern, where, node, operation=op.name, requirement_ids=op.requirement_ids
                    )
                )
            elif _defaults_only(op) and node.kind in ("COMPUTE", "EFFECT"):
                pattern = "finding.handler_returns_defaults"
                found.append(
                    _finding(
                        pattern, where, node, operation=op.name, requirement_ids=op.requirement_ids
                    )
                )
        machine = node.state_machine
        if machine is not None and machine.transitions_open:
            found.append(
                _finding(
                    "finding.open_transition_table",
                    node.name,
                    node,
                    machine.requirement_ids,
                )
            )
    covered = {rid for node in plan.nodes for rid in node.requirement_ids}
    uncovered = [r.id for r in plan.requirements if r.id not in covered]
    if uncovered:
        found.append(
            _finding(
                "finding.uncovered_requirement",
                plan.project_name,
                None,
                uncovered[:_MAX_UNCOVERED],
            )
        )
    return found


def automated_verdicts(
    detections: list[Detection], failed_checks: Mapping[str, list[str]]
) -> list[AutomatedVerdict]:
    """Verdicts on the analysis detections the findings and verification failures implicate.

    `failed_checks`: node name -> the names of its failed verification checks."""
    operations = {
        (d.node, d.operation): d for d in detections if d.pattern.startswith("operation.")
    }
    lifecycles = {d.node: d for d in detections if d.pattern == "lifecycle" and d.emitted}
    verdicts: list[AutomatedVerdict] = []
    for finding in detections:
        if finding.pattern in (
            "finding.operation_without_prd_fields",
            "finding.handler_returns_defaults",
        ):
            target = operations.get((finding.node, finding.operation))
            if target is not None:
                reason = finding.pattern.removeprefix("finding.").replace("_", " ")
                verdicts.append(AutomatedVerdict(target.id, target.pattern, "partial", reason))
        elif finding.pattern == "finding.open_transition_table":
            target = lifecycles.get(finding.node)
            if target is not None:
                note = "the PRD lists the states but not how they connect"
                verdicts.append(AutomatedVerdict(target.id, target.pattern, "partial", note))
    for node, checks in sorted(failed_checks.items()):
        note = f"verification failed: {', '.join(checks) or 'no report'}"
        for (owner, _), target in operations.items():
            if owner == node:
                verdicts.append(AutomatedVerdict(target.id, target.pattern, "incorrect", note))
    return verdicts
