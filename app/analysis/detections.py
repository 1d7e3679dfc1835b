"""Every decision the analysis makes, as a detection with a confidence (see `patterns`).

Kinds report the confidence `kinds.decide` used. Lifecycles, flows and external systems have no
score of their own, so their confidence says how explicit the PRD was (stated transitions beat a
bare list of states; a named system beats a generic phrase); tuned thresholds calibrate it.
An operation's implementation pattern comes from its name's verb, matched as a whole word.
"""

from app.analysis import patterns
from app.analysis.kinds import KindCandidate
from app.analysis.plan import Detection, ExternalSystem, Flow, NodePlan, StateMachine

_OPERATION_VERBS: dict[str, frozenset[str]] = {
    name: frozenset(words.split())
    for name, words in {
        "create": "create add register insert submit open book enroll onboard issue generate new",
        "read": "read get fetch list query search retrieve view show display find lookup load "
        "export download serve browse",
        "update": "update edit modify change save set rename assign configure upsert sync",
        "delete": "delete remove cancel archive purge revoke expire deactivate",
        "transform": "transform convert parse format render map normalize normalise translate "
        "compute calculate estimate price score rank classify predict analyze analyse embed "
        "split chunk hash encrypt round",
        "validate": "validate verify check ensure enforce authenticate authorize authorise "
        "detect match compare",
        "aggregate": "aggregate count sum total tally summarize summarise track accumulate group "
        "merge consolidate deduplicate record audit report measure monitor",
        "transition": "transition approve reject advance move complete close resolve escalate "
        "confirm activate suspend resume lock unlock reset start finish",
        "coordinate": "coordinate orchestrate schedule dispatch trigger route retry compensate "
        "run process execute manage queue batch",
        "call_external": "call integrate invoke post upload pull push ingest import stream "
        "charge refund pay deploy clone publish receive",
        "notify": "notify send alert email remind message broadcast announce deliver",
    }.items()
}
_FALLBACK = {
    "EFFECT": "call_external",
    "COMPUTE": "transform",
    "REDUCER": "aggregate",
    "ORCHESTRATOR": "coordinate",
}


def operation_pattern(kind: str, operation: str) -> tuple[str, float]:
    """(pattern, confidence) from the operation's first word that names a pattern."""
    for word in operation.split("_"):
        for name, verbs in _OPERATION_VERBS.items():
            if word in verbs:
                return f"operation.{name}", 0.9
    return f"operation.{_FALLBACK[kind]}", 0.5


def lifecycle_confidence(machine: StateMachine) -> float:
    if machine.transitions_open:
        return 0.6 if len(machine.states) >= 3 else 0.4
    return 0.9 if machine.transitions else 0.5


def flow_confidence(flow: Flow) -> float:
    kinds = {step.step_type for step in flow.steps}
    if len(flow.steps) >= 3 and len(kinds) >= 2:
        return 0.8
    return 0.6 if len(flow.steps) >= 3 else 0.4


def _kind(candidate: KindCandidate) -> Detection:
    pattern = patterns.kind_pattern(candidate.kind)
    return Detection(
        id=pattern,
        pattern=pattern,
        confidence=candidate.confidence,
        emitted=candidate.emitted,
        requirement_ids=candidate.requirement_ids,
    )


def _owner(nodes: list[NodePlan], *, machine: str = "", flow: str = "") -> str | None:
    for node in nodes:
        if machine and node.state_machine is not None and node.state_machine.name == machine:
            return node.name
        if flow and node.flow is not None and node.flow.name == flow:
            return node.name
    return None


def collect(
    candidates: list[KindCandidate],
    machines: list[tuple[StateMachine, bool]],
    flows: list[tuple[Flow, bool]],
    systems: list[ExternalSystem],
    nodes: list[NodePlan],
) -> list[Detection]:
    """Kinds, lifecycles and flows (each with whether it was kept), systems, operations."""
    found = [_kind(candidate) for candidate in candidates]
    for machine, kept in machines:
        found.append(
            Detection(
                id=f"lifecycle:{machine.name}",
                pattern=patterns.LIFECYCLE,
                confidence=lifecycle_confidence(machine),
                emitted=kept,
                node=_owner(nodes, machine=machine.name) if kept else None,
                requirement_ids=machine.requirement_ids,
            )
        )
    for flow, kept in flows:
        found.append(
            Detection(
                id=f"flow:{flow.name}",
                pattern=patterns.FLOW,
                confidence=flow_confidence(flow),
                emitted=kept,
                node=_owner(nodes, flow=flow.name) if kept else None,
                requirement_ids=flow.requirement_ids,
            )
        )
    for system in systems:
        effect = next((n.name for n in nodes if system.name in n.external_systems), None)
        found.append(
            Detection(
                id=f"external:{system.name}",
                pattern=f"external.{system.category}",
                confidence=0.9 if system.requirement_ids else 0.6,
                emitted=True,
                node=effect,
                requirement_ids=system.requirement_ids,
            )
        )
    for node in nodes:
        for op in node.operations:
            pattern, sure = operation_pattern(node.kind, op.name)
            found.append(
                Detection(
                    id=f"{pattern}:{node.name}.{op.name}",
                    pattern=pattern,
                    confidence=sure,
                    emitted=True,
                    node=node.name,
                    operation=op.name,
                    requirement_ids=op.requirement_ids,
                )
            )
    return _unique(found)


def _unique(found: list[Detection]) -> list[Detection]:
    seen: dict[str, int] = {}
    out: list[Detection] = []
    for detection in found:
        count = seen.get(detection.id, 0)
        seen[detection.id] = count + 1
        out.append(
            detection
            if not count
            else detection.model_copy(update={"id": f"{detection.id}#{count + 1}"})
        )
    return out
