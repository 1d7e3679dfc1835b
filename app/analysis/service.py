"""Public API of PRD analysis: ``analyse(prd_text) -> Plan`` (pure, synchronous, deterministic)."""

import re
from collections.abc import Mapping

from app.analysis import (
    chains,
    detections,
    entities,
    externals,
    flows,
    kinds,
    lifecycles,
    markdown,
    naming,
    patterns,
    planner,
)
from app.analysis.errors import EmptyPrd, NoRequirementsFound
from app.analysis.inline import clean
from app.analysis.plan import Plan
from app.analysis.requirements import extract
from app.analysis.sections import Role, role

_GENERIC = re.compile(
    r"\b(?:product requirements? documents?|product requirements?|requirements? documents?"
    r"|feature specification|requirements?|prd|spec(?:ification)?|document|draft|v\d+(?:\.\d+)*)\b"
    r"|\(\s*\)|[:\-–—|]+\s*$|^\s*[:\-–—|]+",
    re.I,
)
_SUBJECT = re.compile(
    r"^(?:The\s+)?([A-Z][\w-]*(?:\s+[A-Z][\w-]*){0,4})\s+(?:is|are|will be)\s+an?\b"
    r"|^The\s+([A-Z][\w-]*(?:\s+[A-Z][\w-]*){0,4})\s+(?:feature|system|service|platform|application|tool)\b"
)
_SUMMARY_SECTION = re.compile(r"overview|summary|introduction|purpose|goal|background|about", re.I)
_MAX_SUMMARY = 400
_TRAILING = re.compile(r"(?:\s+(?:with|and|of|for|the|a|an|to|in|on|by|using))+\s*$", re.I)


def _clean_title(text: str) -> str:
    text = clean(text)
    for _ in range(3):
        text = _GENERIC.sub(" ", text).strip()
    text = re.sub(r"\(\s*\)|\s{2,}", " ", text).strip(" -–—:|()")
    return text


def _title(blocks: list[markdown.Block]) -> tuple[str, str]:
    """(display title, cleaned name source) from headings, a plain first line or 'X is a ...'."""
    first = next((b for b in blocks if b.kind in ("heading", "para", "item")), None)
    top = [b.text for b in blocks[:12] if b.kind == "heading" and b.level == 1]
    candidates = top + [b.text for b in blocks[:6] if b.kind == "heading" and b.level == 2]
    if not top and first is not None and first.kind == "para" and len(first.text.split()) <= 14:
        candidates.insert(0, first.text)
    display = clean(candidates[0]) if candidates else ""
    for text in candidates:
        if (name := _clean_title(text)) and role((name,)) in (Role.NEUTRAL, Role.REQUIREMENTS):
            return (display if _clean_title(display) else name), name
    for block in blocks[:40]:
        if block.kind == "para" and (subject := _SUBJECT.match(clean(block.text))):
            found = subject.group(1) or subject.group(2)
            return found, found
    return display or "Untitled PRD", ""


def _summary(blocks: list[markdown.Block]) -> str:
    paras = [b for b in blocks if b.kind == "para" and len(b.text.split()) >= 6]
    preferred = [b for b in paras if b.path and _SUMMARY_SECTION.search(b.path[-1])]
    chosen = preferred or paras
    text = clean(chosen[0].text) if chosen else ""
    return text if len(text) <= _MAX_SUMMARY else text[: _MAX_SUMMARY - 3].rstrip() + "..."


def analyse(
    prd_text: str,
    *,
    project_name: str | None = None,
    thresholds: Mapping[str, float] | None = None,
) -> Plan:
    """Analyse a PRD into a Plan. Raises EmptyPrd / NoRequirementsFound for unusable input.

    `thresholds` (pattern -> confidence) are the tuned ones; `patterns.DEFAULT_THRESHOLDS`
    apply to every pattern they do not name."""
    if not prd_text or not prd_text.strip():
        raise EmptyPrd("The PRD is empty.")
    blocks = markdown.parse(prd_text)
    extracted = extract(blocks)
    if not extracted.requirements:
        raise NoRequirementsFound(
            "No requirement-like statements found: use list items, requirement tables, "
            "numbered requirements or sentences with must/shall/should.",
            blocks=len(blocks),
        )
    title, name_source = _title(blocks)
    project = naming.safe_name(project_name or "", fallback="", max_words=5)
    if not project:
        short = " ".join(name_source.split()[:4])
        project = naming.safe_name(_TRAILING.sub("", short), fallback="project", max_words=4)
    reqs = extracted.requirements
    found_entities = entities.extract(blocks)
    machines = lifecycles.extract(blocks, reqs, extracted.block_req)
    found_flows = flows.extract(blocks, extracted.block_req)
    section_flows = {f.name for f in found_flows}
    found_flows += [f for f in flows.inline(reqs) if f.name not in section_flows]
    found_flows += chains.extract(blocks, extracted.block_req, machines)
    systems = externals.extract(blocks, extracted.block_req)
    limits = {**patterns.DEFAULT_THRESHOLDS, **(thresholds or {})}
    judged_machines = [
        (m, detections.lifecycle_confidence(m) >= limits[patterns.LIFECYCLE]) for m in machines
    ]
    judged_flows = [
        (f, detections.flow_confidence(f) >= limits[patterns.FLOW]) for f in found_flows
    ]
    machines = [m for m, kept in judged_machines if kept]
    found_flows = [f for f, kept in judged_flows if kept]
    evidence = kinds.collect(reqs, extracted.weights, machines, found_flows, systems)
    decisions, candidates = kinds.decide(evidence, len(reqs), limits)
    plan_builder = planner.Planner(reqs, found_entities, machines, found_flows, systems, project)
    nodes = planner.build(plan_builder, decisions)
    return Plan(
        project_name=project,
        title=title,
        summary=_summary(blocks),
        requirements=reqs,
        entities=found_entities,
        state_machines=machines,
        flows=found_flows,
        external_systems=systems,
        kinds=decisions,
        nodes=nodes,
        detections=detections.collect(candidates, judged_machines, judged_flows, systems, nodes),
    )
