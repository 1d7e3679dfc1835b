"""Decide which node kinds a PRD needs, from weighted requirement evidence plus structure.

A kind is produced only when its evidence clears both a confidence threshold (tunable from
feedback, `app.analysis.patterns`) and a minimum number of distinct supporting requirements (one
strong requirement in a PRD of at most six); nothing is chosen by default.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.analysis import lexicon, patterns
from app.analysis.plan import (
    ExternalSystem,
    Flow,
    KindDecision,
    NodeKind,
    Requirement,
    StateMachine,
)

KIND_ORDER: tuple[NodeKind, ...] = ("EFFECT", "COMPUTE", "REDUCER", "ORCHESTRATOR")
MIN_SCORE = 2.0
MIN_REQUIREMENTS = 2
# In a PRD this short every requirement carries the document: one strong one is evidence
SMALL_PRD_REQUIREMENTS = 6
_STRONG = 0.5  # smallest contribution that counts a requirement as support
_MAX_REASONS = 8
_SUMMARY = {
    "EFFECT": "side-effecting I/O",
    "COMPUTE": "pure computation",
    "REDUCER": "state / aggregation",
    "ORCHESTRATOR": "workflow coordination",
}


@dataclass(slots=True)
class KindEvidence:
    kind: NodeKind
    score: float = 0.0
    support: dict[str, float] = field(default_factory=dict)  # requirement id -> contribution
    reasons: list[str] = field(default_factory=list)
    structural: list[str] = field(default_factory=list)  # requirement ids from structure


def _snippet(text: str) -> str:
    return text if len(text) <= 70 else text[:67].rstrip() + "..."


def collect(
    requirements: list[Requirement],
    weights: dict[str, float],
    machines: list[StateMachine],
    flows: list[Flow],
    systems: list[ExternalSystem],
) -> dict[NodeKind, KindEvidence]:
    evidence = {kind: KindEvidence(kind) for kind in KIND_ORDER}
    for req in requirements:
        weight = weights.get(req.id, 1.0)
        for kind, hits in lexicon.kind_hits(req.text).items():
            distinct = {word: w for _, w, word in hits}
            value = min(1.0, sum(distinct.values())) * weight
            ev = evidence[kind]
            ev.score += value
            ev.support[req.id] = value
            if value >= _STRONG and len(ev.reasons) < _MAX_REASONS:
                words = ", ".join(sorted(distinct, key=lambda w: -distinct[w])[:3])
                ev.reasons.append(f"{req.id} ({words}): {_snippet(req.text)}")
    reducer, orchestrator = evidence["REDUCER"], evidence["ORCHESTRATOR"]
    # structural reasons go first, the latest first (collected, then prepended once: inserting
    # each at the front was quadratic in the number of lifecycles / flows)
    lifecycle_reasons: list[str] = []
    for machine in machines:
        reducer.score += 1.5
        reducer.structural += machine.requirement_ids
        lifecycle_reasons.append(
            f"status lifecycle '{machine.name}': {' -> '.join(machine.states[:6])}"
        )
    reducer.reasons[:0] = lifecycle_reasons[::-1]
    effect = evidence["EFFECT"]
    called = [s for s in systems if s.requirement_ids]  # named by a requirement: it is called
    for system in called:
        effect.score += 1.0
        effect.structural += system.requirement_ids
    if called:
        labels = ", ".join(s.label or s.name for s in called[:6])
        effect.reasons.insert(0, f"calls external systems: {labels}")
    flow_reasons: list[str] = []
    for flow in flows:
        types = {step.step_type for step in flow.steps}
        if len(flow.steps) >= 3 and len(types) >= 2:
            orchestrator.score += 2.0
            orchestrator.structural += flow.requirement_ids
            flow_reasons.append(f"multi-step flow '{flow.name}' with {len(flow.steps)} steps")
    orchestrator.reasons[:0] = flow_reasons[::-1]
    if len({m.name for m in machines}) >= 2:
        orchestrator.score += 1.5
        orchestrator.structural += [rid for m in machines for rid in m.requirement_ids]
        names = ", ".join(m.name for m in machines[:4])
        orchestrator.reasons.insert(0, f"keeps {len(machines)} lifecycles consistent ({names})")
    return evidence


def supporting(ev: KindEvidence) -> list[str]:
    """Requirement ids backing a kind: structural first, then by strength, document order kept."""
    ids = dict.fromkeys(ev.structural)  # an ordered set
    ids.update((rid, None) for rid, value in ev.support.items() if value >= _STRONG)
    return list(ids)


@dataclass(frozen=True, slots=True)
class KindCandidate:
    """A kind considered for the PRD, emitted or not: what a kind detection reports."""

    kind: NodeKind
    confidence: float
    emitted: bool
    requirement_ids: list[str]


def confidence(score: float, min_score: float) -> float:
    """score / (score + minimum): 0.5 exactly at the minimum, towards 1 as evidence grows."""
    return round(score / (score + min_score), 4) if score > 0 else 0.0


def decide(
    evidence: dict[NodeKind, KindEvidence],
    requirement_count: int,
    thresholds: Mapping[str, float] | None = None,
) -> tuple[list[KindDecision], list[KindCandidate]]:
    """The kinds emitted, and every kind considered with its confidence. A kind is emitted when
    its confidence reaches its threshold (`kind.<kind>`, default 0.5: score >= minimum and
    support: structure, or a strong requirement among enough distinct ones)."""
    small = requirement_count <= SMALL_PRD_REQUIREMENTS
    min_score, min_requirements = (1.0, 1) if small else (MIN_SCORE, MIN_REQUIREMENTS)
    chosen = {**patterns.DEFAULT_THRESHOLDS, **(thresholds or {})}
    decisions: list[KindDecision] = []
    candidates: list[KindCandidate] = []
    for kind in KIND_ORDER:
        ev = evidence[kind]
        ids = supporting(ev)
        strong = any(value >= 1.0 for value in ev.support.values())
        supported = bool(ev.structural) or (strong and len(ids) >= min_requirements)
        # without that support a kind's confidence is halved: below 0.5 whatever its score, so
        # the default threshold keeps the rule as it was and a tuned lower one can still reach it
        sure = confidence(ev.score, min_score) * (1.0 if supported else 0.5)
        emitted = sure >= chosen[patterns.kind_pattern(kind)]
        candidates.append(KindCandidate(kind, round(sure, 4), emitted, ids))
        if not emitted:
            continue
        reasons = [f"{_SUMMARY[kind]} evidence score {ev.score:.1f} from {len(ids)} requirements"]
        decisions.append(
            KindDecision(
                kind=kind,
                reasons=reasons + ev.reasons[:_MAX_REASONS],
                requirement_ids=ids,
                score=round(ev.score, 2),
            )
        )
    return decisions, candidates
