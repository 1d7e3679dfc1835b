"""Group a node's requirements into a few named, typed operations."""

import re
from collections import Counter

from app.analysis import naming, phrases
from app.analysis.entities import field_type
from app.analysis.plan import Entity, EntityField, NodeKind, Operation, Requirement

MAX_OPERATIONS = 8
_MAX_FIELDS = 8
_VERBS: dict[NodeKind, str] = {
    "EFFECT": "send notify deliver publish persist store save write upload download fetch insert "
    "emit ingest clone export load pull read record call integrate retrieve redirect delete "
    "update create stream alert push sync deploy post register submit log receive accept charge "
    "refund query import enqueue cache serve display show",
    "COMPUTE": "calculate compute validate transform score parse rank convert hash filter classify "
    "detect determine render split chunk vectorize embed analyze analyse evaluate predict "
    "multiply estimate normalize sort verify synthesize clamp translate infer compare check "
    "generate format match select resolve decide map encrypt round price apply",
    "REDUCER": "aggregate accumulate count track increment decrement consolidate merge group "
    "deduplicate reset expire sum total tally summarize maintain lock unlock transition record "
    "update audit store",
    "ORCHESTRATOR": "orchestrate coordinate schedule dispatch trigger route retry compensate "
    "escalate run process batch approve manage queue execute retrain deploy",
}
_DEFAULT_VERB: dict[NodeKind, str] = {
    "EFFECT": "handle",
    "COMPUTE": "compute",
    "REDUCER": "track",
    "ORCHESTRATOR": "coordinate",
}


_FALLBACK_BY_NOUN: dict[str, str] = {
    "api": "serve",
    "endpoint": "serve",
    "endpoints": "serve",
    "email": "send",
    "emails": "send",
    "notification": "send",
    "notifications": "send",
    "message": "send",
    "messages": "send",
    "webhook": "receive",
    "webhooks": "receive",
    "database": "store",
    "storage": "store",
    "file": "write",
    "files": "write",
    "event": "publish",
    "events": "publish",
    "store": "save",
}
_PREFER = {kind: frozenset(spec.split()) for kind, spec in _VERBS.items()}


def _verb_and_object(
    kind: NodeKind, text: str, domain: frozenset[str] = frozenset()
) -> tuple[str, str]:
    """(verb, object) for an operation name: the requirement's main action and what it acts on."""
    verb, obj = phrases.verb_object(text, domain, _PREFER[kind])
    if not verb:
        verb, obj = phrases.nominal_action(text, domain)
    if not verb:
        obj = phrases.head_noun(text, domain)
        verb = next((_FALLBACK_BY_NOUN[w] for w in obj if w in _FALLBACK_BY_NOUN), "")
        verb = verb if kind == "EFFECT" and verb else _DEFAULT_VERB[kind]
    if obj and obj[-1] == verb:
        obj = obj[:-1]
    return verb, "_".join(obj)


def _entity_for(texts: list[str], entities: list[Entity]) -> Entity | None:
    joined = " ".join(texts).lower()
    best, best_hits = None, 0
    for entity in entities:
        words = naming.words(entity.name)
        phrase = " ".join(words)
        hits = joined.count(phrase) * 2 + (joined.count(words[-1]) if words else 0)
        if hits > best_hits and entity.fields:
            best, best_hits = entity, hits
    return best


def _fields(
    kind: NodeKind, noun: str, entity: Entity | None
) -> tuple[list[EntityField], list[EntityField]]:
    key = naming.field_name(f"{naming.snake(entity.name) if entity else noun or 'item'} id")
    inputs = list(entity.fields[:_MAX_FIELDS]) if entity else []
    if not inputs:
        inputs = [
            EntityField(name=key, type="str"),
            EntityField(name="payload", type="dict[str, str]"),
        ]
    result = naming.field_name(noun) or "result"
    outputs = {
        "EFFECT": [EntityField(name="success", type="bool"), EntityField(name=key, type="str")],
        "COMPUTE": [EntityField(name=result, type=field_type(result))],
        "REDUCER": [EntityField(name="state", type="str"), EntityField(name="version", type="int")],
        "ORCHESTRATOR": [
            EntityField(name="status", type="str"),
            EntityField(name="completed_steps", type="list[str]"),
        ],
    }[kind]
    names = {f.name for f in inputs}
    outputs = [f for f in outputs if f.name not in names] or [
        EntityField(name="result", type="str")
    ]
    return inputs, outputs


def _object_for(
    reqs: list[Requirement], nouns: list[str], entities: list[Entity], fallback: str
) -> str:
    """The most frequent object of a group; else the entity its requirements talk about."""
    counts = Counter(n for n in nouns if n)
    if counts:
        first = {n: i for i, n in reversed(list(enumerate(nouns)))}  # first index of each noun
        return max(counts, key=lambda n: (counts[n], -first[n]))
    entity = _entity_for([r.text for r in reqs], entities)
    return naming.snake(entity.name, max_words=2) if entity else fallback


def build(
    kind: NodeKind,
    requirements: list[Requirement],
    entities: list[Entity],
    taken: list[str] | None = None,
    *,
    limit: int = MAX_OPERATIONS,
    domain: frozenset[str] = frozenset(),
    topic: str = "",
) -> list[Operation]:
    groups: dict[str, list[Requirement]] = {}
    nouns: dict[str, list[str]] = {}
    for req in requirements:
        verb, noun = _verb_and_object(kind, req.text, domain)
        groups.setdefault(verb, []).append(req)
        nouns.setdefault(verb, []).append(noun)
    ranked = sorted(groups, key=lambda v: -len(groups[v]))
    keep = ranked[:limit]
    for verb in ranked[limit:]:
        groups[keep[0]] += groups.pop(verb)
    names = list(taken or [])
    operations: list[Operation] = []
    for verb in [v for v in groups if v in keep]:
        reqs = groups[verb]
        noun = _object_for(reqs, nouns[verb], entities, topic)
        key = re.sub(r"_+", "_", f"{verb}_{noun}".strip("_"))
        name = naming.unique(naming.safe_name(key, fallback="handle", max_words=4), names)
        names.append(name)
        inputs, outputs = _fields(kind, noun, _entity_for([r.text for r in reqs], entities))
        operations.append(
            Operation(
                name=name,
                description=reqs[0].text[:200],
                requirement_ids=[r.id for r in reqs],
                input_fields=inputs,
                output_fields=outputs,
            )
        )
    return operations
