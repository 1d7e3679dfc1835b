"""Group a node's requirements into a few named, typed operations."""

import re

from app.analysis import lexicon, naming
from app.analysis.entities import field_type
from app.analysis.plan import Entity, EntityField, NodeKind, Operation, Requirement

MAX_OPERATIONS = 8
_MAX_FIELDS = 8
_STOP = lexicon.STOPWORDS
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
    "EFFECT": "perform",
    "COMPUTE": "compute",
    "REDUCER": "update",
    "ORCHESTRATOR": "coordinate",
}


def _inflections(base: str) -> set[str]:
    stem = base[:-1] if base.endswith("e") else base
    forms = {base, f"{base}s", f"{base}es", f"{stem}ed", f"{stem}ing", f"{base}d"}
    if base.endswith("y"):
        forms |= {f"{base[:-1]}ies", f"{base[:-1]}ied"}
    cvc = len(base) > 2 and base[-2] in "aeiou" and base[-3] not in "aeiou"
    if cvc and base[-1] in "bdglmnprt":
        forms |= {f"{base}{base[-1]}ed", f"{base}{base[-1]}ing"}
    return forms


_VERB_FORMS: dict[NodeKind, dict[str, str]] = {
    kind: {form: base for base in spec.split() for form in _inflections(base)}
    for kind, spec in _VERBS.items()
}
_ALL_VERBS = frozenset(form for forms in _VERB_FORMS.values() for form in forms)


def _verb_and_object(kind: NodeKind, text: str) -> tuple[str, str]:
    words = lexicon.tokens(text)
    forms = _VERB_FORMS[kind]
    verb, start = _DEFAULT_VERB[kind], 0
    for i, word in enumerate(words):
        if word in forms:
            verb, start = forms[word], i + 1
            break
    for word in words[start:] + words[:start]:
        if word not in _STOP and word not in _ALL_VERBS and len(word) > 2 and "/" not in word:
            return verb, word
    return verb, ""


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


def build(
    kind: NodeKind,
    requirements: list[Requirement],
    entities: list[Entity],
    taken: list[str] | None = None,
    *,
    limit: int = MAX_OPERATIONS,
) -> list[Operation]:
    groups: dict[str, list[Requirement]] = {}
    verbs: dict[str, str] = {}
    for req in requirements:
        verb, noun = _verb_and_object(kind, req.text)
        key = re.sub(r"_+", "_", f"{verb}_{noun}".strip("_"))
        groups.setdefault(verb, []).append(req)
        verbs.setdefault(verb, key)
    ranked = sorted(groups, key=lambda v: -len(groups[v]))
    keep = ranked[:limit]
    for verb in ranked[limit:]:
        groups[keep[0]] += groups.pop(verb)
    names = list(taken or [])
    operations: list[Operation] = []
    for verb in [v for v in groups if v in keep]:
        reqs = groups[verb]
        name = naming.unique(naming.safe_name(verbs[verb], fallback="handle", max_words=4), names)
        names.append(name)
        noun = verbs[verb].partition("_")[2]
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
