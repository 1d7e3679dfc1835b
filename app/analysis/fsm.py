"""Found lifecycles -> StateMachines: one machine per state set, edges only as the PRD states them.

Several sources often describe one lifecycle (an enumeration of the states, then arrow chains or
"a -> b" items that give the edges): candidates whose state sets overlap by half or more, or one
of which holds the other, are merged, their stated edges united. A lifecycle with no stated edge
gets an open table (a wildcard transition into each state), never edges nobody wrote.
"""

import re
from dataclasses import dataclass, field

from app.analysis import naming
from app.analysis.plan import ANY_STATE, StateMachine, Transition

_FAILURE = re.compile(
    r"fail|cancel|reject|declin|expire|abort|error|refund|void|timeout|timed_out|lost|dead"
    r"|game_over|closed|archived|deleted|suspended|terminated|chargeback"
)
_SUCCESS = re.compile(
    r"^(?:paid|done|complete|completed|succeeded|success|delivered|finished|resolved"
    r"|settled|published|approved|processed|closed|sent|won|result)$"
)


MAX_MACHINES = 50  # more lifecycles than any PRD describes: the rest is noise


@dataclass(slots=True)
class Candidate:
    name: str
    states: list[str]
    pairs: list[tuple[str, str]] = field(default_factory=list)  # (ANY_STATE, x): from any state
    rids: list[str] = field(default_factory=list)


def _overlaps(a: set[str], b: set[str]) -> bool:
    common = len(a & b)
    return common == min(len(a), len(b)) or common * 2 >= len(a | b)


def merge(candidates: list[Candidate]) -> list[Candidate]:
    """One candidate per lifecycle, in order of first mention. Only candidates sharing a state
    are compared (an index by state), so many unrelated lists stay linear."""
    merged: list[Candidate] = []
    by_state: dict[str, list[int]] = {}
    for found in candidates:
        mine = set(found.states)
        near = dict.fromkeys(j for state in found.states for j in by_state.get(state, ()))
        index = next((j for j in near if _overlaps(mine, set(merged[j].states))), -1)
        if index < 0:
            if len(merged) < MAX_MACHINES:
                for state in mine:
                    by_state.setdefault(state, []).append(len(merged))
                merged.append(
                    Candidate(found.name, list(found.states), list(found.pairs), found.rids)
                )
            continue
        twin = merged[index]
        for state in mine - set(twin.states):
            by_state.setdefault(state, []).append(index)
        if len(found.states) > len(twin.states) and not twin.pairs:
            twin.states = list(dict.fromkeys([*found.states, *twin.states]))
        else:
            twin.states = list(dict.fromkeys([*twin.states, *found.states]))
        twin.pairs = list(dict.fromkeys([*twin.pairs, *found.pairs]))
        twin.rids = list(dict.fromkeys([*twin.rids, *found.rids]))
    return merged


def _trigger(state: str, used: list[str]) -> str:
    trigger = naming.unique(naming.plain_name(naming.verb_of(state), fallback="advance"), used)
    used.append(trigger)
    return trigger


def _stated_edges(found: Candidate) -> list[tuple[str, str]]:
    """The stated pairs, "any state -> x" spelled out from every other state."""
    edges: list[tuple[str, str]] = []
    for src, dst in found.pairs:
        sources = [s for s in found.states if s != dst] if src == ANY_STATE else [src]
        edges += [(s, dst) for s in sources if s != dst]
    return list(dict.fromkeys(edges))


def _reachable(initial: str, edges: list[tuple[str, str]]) -> set[str]:
    seen = {initial}
    frontier = [initial]
    while frontier:
        state = frontier.pop()
        for src, dst in edges:
            if src == state and dst not in seen:
                seen.add(dst)
                frontier.append(dst)
    return seen


def build(name: str, found: Candidate) -> StateMachine:
    states = found.states
    edges = _stated_edges(found)
    if not edges:
        used: list[str] = []
        named_ends = [s for s in states[1:] if _FAILURE.search(s) or _SUCCESS.match(s)]
        return StateMachine(
            name=name,
            states=states,
            initial_state=states[0],
            terminal_states=named_ends or [states[-1]],
            transitions=[
                Transition(from_state=ANY_STATE, to_state=s, trigger=_trigger(s, used))
                for s in states[1:]
            ],
            requirement_ids=found.rids,
            transitions_open=True,
        )
    targets = {dst for _, dst in edges}
    initial = next((s for s in states if s not in targets), states[0])
    triggers: dict[str, list[str]] = {}
    transitions = [
        Transition(
            from_state=src, to_state=dst, trigger=_trigger(dst, triggers.setdefault(src, []))
        )
        for src, dst in edges
    ]
    # a listed state no stated edge reaches stays reachable through an open (wildcard) row
    reachable = _reachable(initial, edges)
    transitions += [
        Transition(
            from_state=ANY_STATE,
            to_state=s,
            trigger=_trigger(s, triggers.setdefault(ANY_STATE, [])),
        )
        for s in states
        if s not in reachable
    ]
    origins = {t.from_state for t in transitions}
    ends = [s for s in states if s not in origins]
    ordered = [initial, *[s for s in states if s != initial]]
    return StateMachine(
        name=name,
        states=ordered,
        initial_state=initial,
        terminal_states=ends or [states[-1]],
        transitions=transitions,
        requirement_ids=found.rids,
    )
