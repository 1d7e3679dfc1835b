"""Turn kind decisions into NodePlans: names, operations, state machines, flows, capabilities."""

from collections import Counter
from typing import Any

from app.analysis import flows as flow_mod
from app.analysis import lexicon, naming, operations, phrases
from app.analysis.plan import (
    Entity,
    EntityField,
    ExternalSystem,
    Flow,
    KindDecision,
    NodeKind,
    NodePlan,
    Operation,
    Requirement,
    StateMachine,
    StepType,
)

_SUFFIX = {
    "EFFECT": "effect",
    "COMPUTE": "compute",
    "REDUCER": "reducer",
    "ORCHESTRATOR": "orchestrator",
}
_SUMMARY = {
    "EFFECT": "Performs the side-effecting I/O",
    "COMPUTE": "Performs the pure computations",
    "REDUCER": "Holds state and aggregates",
    "ORCHESTRATOR": "Coordinates the multi-step workflow",
}
_STEP: dict[NodeKind, StepType] = {
    "EFFECT": "effect",
    "COMPUTE": "compute",
    "REDUCER": "reducer",
    "ORCHESTRATOR": "orchestrator",
}
_MAX_REDUCERS = 3
_MIN_TOPIC_HITS = 3
_STOP = lexicon.STOPWORDS


def _topic(texts: list[str], fallback: str, domain: frozenset[str] = frozenset()) -> str:
    """The dominant domain noun of ``texts``: entity/product words count triple, generic words
    (service, system, request, time, ...) and kind keywords (storage, email, ...) only when
    nothing better is there."""
    counts: Counter[str] = Counter()
    weak: Counter[str] = Counter()
    for text in texts:
        for word in phrases.topic_words(text, domain):
            if word in domain:
                counts[word] += 3
            elif not lexicon.word_hits(word) and word not in naming.wordset("api"):
                counts[word] += 1
            else:
                weak[word] += 1
    pool = counts or weak
    product = _fallback_topic(fallback)
    if not pool:
        return product
    order = {w: i for i, w in enumerate(pool)}  # ties: the word met first
    word = min(pool, key=lambda w: (-pool[w], order[w]))
    if pool[word] < _MIN_TOPIC_HITS and word not in domain and product != fallback:
        return product  # a word mentioned once or twice is no better than the product noun
    return _compound(word, fallback)


def _compound(word: str, project: str) -> str:
    """``word`` with the product noun it heads in the project name: unit -> unit_converter."""
    parts = project.split("_")
    for i, part in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        if part == word and len(nxt) > 2 and not phrases.generic_topic(nxt):
            return f"{word}_{nxt}"
    return word


def _fallback_topic(project: str) -> str:
    """The product noun of the project name: real_time_public_transport -> transport."""
    useful = [
        w
        for w in project.split("_")
        if len(w) > 2 and phrases.is_noun(w) and not phrases.generic_topic(w)
    ]
    return useful[-1] if useful else project


def _strip_generic(name: str) -> str:
    return "_".join(w for w in name.split("_") if w and not phrases.generic_topic(w))


def _machine_topic(machine: StateMachine) -> str:
    name = machine.name
    for suffix in ("_status", "_lifecycle", "_state", "_stage", "_phase", "_transitions"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return _strip_generic(name)


class Planner:
    def __init__(
        self,
        requirements: list[Requirement],
        entities: list[Entity],
        machines: list[StateMachine],
        flows: list[Flow],
        externals: list[ExternalSystem],
        project: str,
    ) -> None:
        self.by_id = {r.id: r for r in requirements}
        self.entities = entities
        self.machines = machines
        self.flows = flows
        self.externals = externals
        self.project = project
        self.domain = frozenset(
            phrases.singular(w)
            for w in [*(w for e in entities for w in naming.words(e.name)), *naming.words(project)]
            if len(w) > 2 and not phrases.generic_topic(w)
        )
        self.names: list[str] = []
        self.classes: list[str] = []

    def _node(
        self,
        kind: NodeKind,
        topic: str,
        rids: list[str],
        ops: list[Operation],
        *,
        state_machine: StateMachine | None = None,
        flow: Flow | None = None,
        external_systems: list[str] | None = None,
    ) -> NodePlan:
        # the kind suffix makes any name safe: no trailing "_" from a reserved topic ("match")
        base = naming.safe_name(topic, fallback=self.project, max_words=3).rstrip("_")
        name = naming.unique(f"{base}_{_SUFFIX[kind]}", self.names)
        self.names.append(name)
        pascal = naming.pascal(name[: -len(_SUFFIX[kind]) - 1]) or "Project"
        class_name = naming.unique(f"Node{pascal}{_SUFFIX[kind].capitalize()}", self.classes)
        self.classes.append(class_name)
        texts = [self.by_id[r].text for r in rids if r in self.by_id]
        caps = sorted(set().union(*(lexicon.capabilities(t) for t in texts))) if texts else []
        used = [
            e.name
            for e in self.entities
            if any(
                o.input_fields and o.input_fields == e.fields[: len(o.input_fields)] for o in ops
            )
        ]
        return NodePlan(
            kind=kind,
            name=name,
            class_name=class_name,
            description=(
                f"{_SUMMARY[kind]} of {topic.replace('_', ' ')} ({len(rids)} requirements)."
            ),
            requirement_ids=rids,
            operations=ops,
            entities=used,
            capabilities=caps,
            state_machine=state_machine,
            flow=flow,
            external_systems=external_systems or [],
        )

    def _naming(self, topic: str) -> dict[str, Any]:
        return {"domain": self.domain, "topic": naming.safe_name(topic, fallback="", max_words=2)}

    def _reqs(self, rids: list[str]) -> list[Requirement]:
        return [self.by_id[r] for r in rids if r in self.by_id]

    def effect(self, decision: KindDecision) -> NodePlan:
        reqs = self._reqs(decision.requirement_ids)
        topic = _topic([r.text for r in reqs], self.project, self.domain)
        ops = operations.build("EFFECT", reqs, self.entities, **self._naming(topic))
        systems = [s.name for s in self.externals]
        return self._node("EFFECT", topic, decision.requirement_ids, ops, external_systems=systems)

    def compute(self, decision: KindDecision) -> NodePlan:
        reqs = self._reqs(decision.requirement_ids)
        topic = _topic([r.text for r in reqs], self.project, self.domain)
        return self._node(
            "COMPUTE",
            topic,
            decision.requirement_ids,
            operations.build("COMPUTE", reqs, self.entities, **self._naming(topic)),
        )

    def reducers(self, decision: KindDecision) -> list[NodePlan]:
        nodes: list[NodePlan] = []
        machines = self.machines[:_MAX_REDUCERS]
        claimed = {rid for m in machines for rid in m.requirement_ids}
        rest = [r for r in decision.requirement_ids if r not in claimed]
        for index, machine in enumerate(machines or [None]):
            if machine is None:
                reqs = self._reqs(rest)
                topic = _topic([r.text for r in reqs], self.project, self.domain)
                ops = operations.build("REDUCER", reqs, self.entities, **self._naming(topic))
                nodes.append(self._node("REDUCER", topic, rest, ops))
                continue
            topic = _machine_topic(machine) or _topic(
                [r.text for r in self._reqs(machine.requirement_ids)], self.project, self.domain
            )
            key = naming.field_name(f"{topic} id")
            generic = _strip_generic(machine.name) != machine.name or "transition" in machine.name
            transition = Operation(
                name=naming.safe_name(
                    f"apply {topic if generic else machine.name} transition",
                    fallback="apply_transition",
                ),
                description=f"Move a {topic.replace('_', ' ')} through {machine.name}: "
                + ", ".join(machine.states),
                requirement_ids=machine.requirement_ids or rest[:1] or decision.requirement_ids[:1],
                input_fields=[
                    EntityField(name=key, type="str"),
                    EntityField(name="trigger", type="str"),
                ],
                output_fields=[EntityField(name="state", type="str")],
            )
            extra_reqs = self._reqs(rest) if index == 0 else []
            ops = [
                transition,
                *operations.build(
                    "REDUCER",
                    extra_reqs,
                    self.entities,
                    [transition.name],
                    limit=operations.MAX_OPERATIONS - 1,
                    **self._naming(topic),
                ),
            ]
            rids = list(dict.fromkeys([*machine.requirement_ids, *(rest if index == 0 else [])]))
            nodes.append(
                self._node(
                    "REDUCER",
                    topic,
                    rids or transition.requirement_ids,
                    ops,
                    state_machine=machine,
                )
            )
        return nodes

    def orchestrator(self, decision: KindDecision, others: list[NodePlan]) -> NodePlan:
        reqs = self._reqs(decision.requirement_ids)
        flow = max(self.flows, key=lambda f: len(f.steps)) if self.flows else None
        topic = _strip_generic(flow.name) if flow else ""
        topic = topic or _topic([r.text for r in reqs], self.project, self.domain)
        if flow is None:
            order: dict[str, int] = {"COMPUTE": 0, "REDUCER": 1, "EFFECT": 2}
            steps: list[tuple[str, StepType, str]] = [
                (f"run_{n.name}", _STEP[n.kind], n.description)
                for n in sorted(others, key=lambda n: order.get(n.kind, 3))
            ]
            if len(steps) < 2:
                texts = [r.text for r in reqs[:8]]
                flow = flow_mod.from_texts(
                    f"{naming.safe_name(topic, fallback='main')}_workflow",
                    texts,
                    decision.requirement_ids[:8],
                )
            else:
                flow = flow_mod.synthesise(
                    f"{naming.safe_name(topic, fallback='main')}_workflow",
                    steps,
                    decision.requirement_ids[:10],
                )
        ops = operations.build("ORCHESTRATOR", reqs, self.entities, **self._naming(topic))
        return self._node("ORCHESTRATOR", topic, decision.requirement_ids, ops, flow=flow)


def build(planner: Planner, decisions: list[KindDecision]) -> list[NodePlan]:
    nodes: list[NodePlan] = []
    pending: KindDecision | None = None
    for decision in decisions:
        if decision.kind == "EFFECT":
            nodes.append(planner.effect(decision))
        elif decision.kind == "COMPUTE":
            nodes.append(planner.compute(decision))
        elif decision.kind == "REDUCER":
            nodes.extend(planner.reducers(decision))
        else:
            pending = decision
    if pending is not None:
        nodes.append(planner.orchestrator(pending, list(nodes)))
    return nodes
