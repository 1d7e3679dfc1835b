"""Compare one Plan with one answer key: counts, never ratios, so that sets can be summed.

Matching rules (the same for every set):
- a produced machine matches a key lifecycle when their state sets have Jaccard >= 0.5
  (state names compared without separators or case); pairs are taken greedily, best first;
- transitions are scored only on matched machines whose key lists them (not "unknown");
- a key step matches a produced step when their stemmed word sets have Jaccard >= 0.5; a produced
  flow matches a key flow when at least two and at least half of the key's steps match its steps;
- an external system matches when one normalised name contains the other (generic words such as
  "api" and "service" removed).
"""

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from app.analysis.plan import ANY_STATE, Plan

KINDS = ("EFFECT", "COMPUTE", "REDUCER", "ORCHESTRATOR")
_GENERIC = {
    "api",
    "apis",
    "service",
    "services",
    "bot",
    "platform",
    "sdk",
    "the",
    "server",
    "cloud",
}
_STOP = {"a", "an", "the", "to", "of", "and", "or", "for", "in", "on", "with", "by", "from"}
_SUFFIXES = ("ions", "ion", "ings", "ing", "ments", "ment", "als", "al", "ed", "es", "s")


def squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def words(name: str) -> set[str]:
    out = set()
    for word in re.split(r"[^a-z0-9]+", name.lower()):
        if not word or word in _STOP:
            continue
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                break
        out.add(word.removesuffix("e") if len(word) > 4 else word)
    return out


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def pair_up[K, P](
    keys: Sequence[K], produced: Sequence[P], score: Callable[[K, P], float], floor: float
) -> list[tuple[int, int]]:
    """Greedy one-to-one pairs (key index, produced index) scoring at least `floor`."""
    scored = [(score(k, p), i, j) for i, k in enumerate(keys) for j, p in enumerate(produced)]
    taken_k: set[int] = set()
    taken_p: set[int] = set()
    pairs = []
    for value, i, j in sorted(scored, key=lambda t: (-t[0], t[1], t[2])):
        if value >= floor and i not in taken_k and j not in taken_p:
            pairs.append((i, j))
            taken_k.add(i)
            taken_p.add(j)
    return pairs


def score_kinds(key: dict[str, Any], plan: Plan | None) -> Counter[str]:
    produced = {node.kind for node in plan.nodes} if plan else set()
    counts: Counter[str] = Counter()
    for kind in KINDS:
        expected = key["kinds"][kind]["expected"]
        if expected == "required":
            counts["kind_required"] += 1
            counts["kind_found"] += kind in produced
        elif expected == "absent":
            counts["kind_absent"] += 1
            counts["kind_unwarranted"] += kind in produced
    return counts


def _edges(pairs: Iterable[Sequence[str]]) -> set[tuple[str, str]]:
    return {(squash(a), squash(b)) for a, b in pairs}


def score_lifecycles(key: dict[str, Any], plan: Plan | None) -> Counter[str]:
    keys = key.get("lifecycles") or []
    machines = plan.state_machines if plan else []
    key_states = [{squash(s) for s in k["states"]} for k in keys]
    got_states = [{squash(s) for s in m.states} for m in machines]
    pairs = pair_up(key_states, got_states, jaccard, 0.5)
    counts: Counter[str] = Counter(
        lifecycle_key=len(keys), lifecycle_found=len(pairs), machines=len(machines)
    )
    counts["machines_spurious"] = len(machines) - len(pairs)
    for i, j in pairs:
        expected = keys[i]["transitions"]
        stated = [t for t in machines[j].transitions if t.from_state != ANY_STATE]
        got = _edges((t.from_state, t.to_state) for t in stated)
        if isinstance(expected, list):
            want = _edges(expected)
            counts["edges_key"] += len(want)
            counts["edges_produced"] += len(got)
            counts["edges_correct"] += len(got & want)
        else:
            counts["edges_on_unknown"] += len(got)
    return counts


def _step_match(key_step: set[str], got_step: set[str]) -> float:
    return jaccard(key_step, got_step)


def _flow_score(key_steps: list[set[str]], got_steps: list[set[str]]) -> float:
    hits = len(pair_up(key_steps, got_steps, _step_match, 0.5))
    return hits / len(key_steps) if hits >= 2 else 0.0


def score_flows(key: dict[str, Any], plan: Plan | None) -> Counter[str]:
    keys = key.get("flows") or []
    flows = plan.flows if plan else []
    key_steps = [[words(s) for s in k["steps"]] for k in keys]
    got_steps = [[words(s.name) for s in f.steps] for f in flows]
    pairs = pair_up(key_steps, got_steps, _flow_score, 0.5)
    return Counter(
        flow_key=len(keys),
        flow_found=len(pairs),
        flows=len(flows),
        flows_spurious=len(flows) - len(pairs),
    )


def _system_name(name: str) -> str:
    return "".join(w for w in re.split(r"[^a-z0-9]+", name.lower()) if w and w not in _GENERIC)


def score_externals(key: dict[str, Any], plan: Plan | None) -> Counter[str]:
    wanted = [_system_name(s["name"]) for s in key.get("external_systems") or []]
    got = [_system_name(s.name) for s in plan.external_systems] if plan else []

    def same(a: str, b: str) -> float:
        return 1.0 if a and b and (a in b or b in a) else 0.0

    pairs = pair_up(wanted, got, same, 1.0)
    return Counter(external_key=len(wanted), external_found=len(pairs), externals=len(got))


def score(key: dict[str, Any], plan: Plan | None) -> Counter[str]:
    total: Counter[str] = Counter()
    for part in (score_kinds, score_lifecycles, score_flows, score_externals):
        total.update(part(key, plan))
    return total
