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


MAX_MACHINES = 20  # more lifecycles than any PRD describes: the rest is noise
MAX_STATES = 20


@dataclass(slots=True)
class Candidate:
    name: str
    states: list[str]
    pairs: list[tuple[str, str]] = field(default_factory=list)  # (ANY_STATE, x): from any state
    rids: list[str] = field(default_factory=list)


def _overlaps(mine: set[str], theirs: dict[str, None]) -> bool:
    """One state set holds the other, or they share half their union."""
    common = sum(1 for state in mine if state in theirs)
    return common == min(len(mine), len(theirs)) or common * 2 >= len(mine) + len(theirs) - common


@dataclass(slots=True)
class _Slot:
    """A lifecycle being merged: ordered sets, so each merge costs the candidate's size only."""

    name: str
    states: dict[str, None]
    pairs: dict[tuple[str, str], None]
    rids: dict[str, None]

    def candidate(self) -> Candidate:
        return Candidate(self.name, list(self.states), list(self.pairs), list(self.rids))


def merge(candidates: list[Candidate]) -> list[Candidate]:
    """One candidate per lifecycle, in order of first mention. Only candidates sharing a state
    are compared (an index by state), so many unrelated lists stay linear."""
    slots: list[_Slot] = []
    by_state: dict[str, list[int]] = {}
    for found in candidates:
        mine = set(found.states)
        near = dict.fromkeys(j for state in mine for j in by_state.get(state, ()))
        index = next((j for j in near if _overlaps(mine, slots[j].states)), -1)
        if index < 0:
            if len(slots) < MAX_MACHINES:
                for state in mine:
                    by_state.setdefault(state, []).append(len(slots))
                slots.append(
                    _Slot(
                        found.name,
                        dict.fromkeys(found.states),
                        dict.fromkeys(found.pairs),
                        dict.fromkeys(found.rids),
                    )
                )
            continue
        twin = slots[index]
        new = [s for s in found.states if s not in twin.states]
        if len(twin.states) + len(new) > MAX_STATES:
            continue  # no lifecycle has this many states: the rest is noise
        for state in new:
            by_state.setdefault(state, []).append(index)
        if len(found.states) > len(twin.states) and not twin.pairs:
            twin.states = dict.fromkeys([*found.states, *twin.states])
        else:
            twin.states.update(dict.fromkeys(new))
        twin.pairs.update(dict.fromkeys(found.pairs))
        twin.rids.update(dict.fromkeys(found.rids))
    return [slot.candidate() for slot in slots]


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
