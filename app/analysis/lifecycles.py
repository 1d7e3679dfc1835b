"""Status lifecycles: state enumerations, arrow chains and "Statuses" sections -> StateMachine."""

import re
from itertools import pairwise

from app.analysis import diagrams, naming, state_mentions
from app.analysis.markdown import Block
from app.analysis.plan import Requirement, StateMachine, Transition
from app.analysis.requirements import clean
from app.analysis.sections import Role, role

_KEY = r"(?:status(?:es)?|states?|lifecycle|life cycle|stages?|phases?)"
_ENUM = re.compile(
    rf"\b(?P<key>{_KEY})\b\s*(?P<sep>\(|:|-|are|is one of|includes?|values?)\s*"
    r"(?P<list>[^.;()]{3,300})",
    re.I,
)
_PLURAL = {"statuses": "status", "states": "state", "stages": "stage", "phases": "phase"}
_QUICK = re.compile(r"status|state|lifecycle|life cycle|stage|phase", re.I)
_ARROW = re.compile(r"\s*(?:→|->|=>|⟶|⇒)\s*")
_STATE_SECTION = re.compile(rf"{_KEY}|state machine|workflow states", re.I)
# `status: "a" | "b"`: the whole word that holds status/state (as `\w*status\w*|\w*state\w*`
# matched, but tried once per word: from every position that took quadratic time in a long word,
# and a word of many "status" cubic), then two or more quoted values; blanks are possessive
_UNION = re.compile(
    r"(?<!\w)(?=\w*?(?:status|state))(\w++)\??\s*+:\s*+((?:[\"'][\w -]++[\"']\s*+\|?\s*+){2,})",
    re.I,
)
_LEAD = re.compile(r"^[`*_]*([A-Za-z][\w-]{0,40})[`*_]*\s*(?:\(|:|[-–—]\s)")
_TOKEN = re.compile(r"^[A-Za-z][\w-]*$")
_SUBJECT_STOP = naming.wordset(
    "a an the each every its their of for system tracks track has have with current and to "
    "is are all any new support supports must should can"
)
_NOT_STATE = naming.wordset("else then if when otherwise unless until after before within")
_FAILURE = re.compile(
    r"fail|cancel|reject|declin|expire|abort|error|refund|void|timeout|timed_out|lost|dead"
    r"|game_over|closed|archived|deleted|suspended|terminated|chargeback"
)
_SUCCESS = re.compile(
    r"^(?:paid|done|complete|completed|succeeded|success|delivered|finished|resolved"
    r"|settled|published|approved|processed|closed|sent|won|result)$"
)


_MAX_STATES = 20


def _states(parts: list[str]) -> list[str]:
    out: list[str] = []
    for part in parts:
        if len(out) > _MAX_STATES:
            return []  # too many to be a lifecycle (and "in out" would be quadratic)
        words = naming.words(part)
        if not words or len(words) > 3 or words[0].isdigit() or _NOT_STATE & set(words):
            return []
        state = naming.plain_name(part, fallback="state")
        if state not in out:
            out.append(state)
    return out if 2 <= len(out) <= _MAX_STATES else []


def _subject(text: str, fallback: str) -> str:
    words = [w for w in naming.words(text) if w not in _SUBJECT_STOP][-2:]
    return "_".join(words) if words else fallback


def _named(subject: str, suffix: str) -> str:
    base = _subject(subject, "")
    return f"{base}_{suffix}" if base else suffix


def _listed(key: str, items: str) -> bool:
    """Whether "key (items)" lists states: "status (a/b)", "status (a, b, c)"; not a remark
    ("phase (MVP)") nor the data a "run state (bankroll, hype, bets)" holds."""
    if re.search(r"[/|]", items):
        return True
    return not key.lower().startswith("state") and items.count(",") >= 2


def _from_text(text: str) -> list[tuple[str, list[str], list[tuple[str, str]]]]:
    found: list[tuple[str, list[str], list[tuple[str, str]]]] = []
    if not _QUICK.search(text):
        return found
    if _ARROW.search(text) and re.search(_KEY + r"|transition", text, re.I):
        for segment in re.split(r"[;.]\s", text):
            parts = _ARROW.split(segment)
            if len(parts) < 2:
                continue
            parts[0] = " ".join(re.split(r"[(:,]", parts[0])[-1].split()[-2:])
            if re.fullmatch(_KEY, parts[0].strip(" `*"), re.I):
                parts = parts[1:]  # "status -> canceled" sets a status; it is not one
            parts[-1] = " ".join(re.split(r"[),.]", parts[-1])[0].split()[:2])
            if states := _states(parts):
                pairs = list(pairwise(states))
                found.append((_subject(segment.split(parts[0])[0], "lifecycle"), states, pairs))
    for match in _ENUM.finditer(text):
        if match.group("sep") == "(" and not _listed(match.group("key"), match.group("list")):
            continue
        items = re.split(r"\s*(?:/|,|\||\bor\b|→|->)\s*", match.group("list").strip())
        items = [
            re.sub(r"^(?:and|or)\s+", "", i.strip(" `'\"*")) for i in items if i.strip(" `'\"*")
        ]
        if states := _states(items):
            # the last three words since the last , ; : ( before the match (rsplit from the end:
            # splitting the whole text before every match was quadratic)
            since = max(text.rfind(c, 0, match.start()) for c in ",;:(") + 1
            subject = " ".join(text[since : match.start()].rsplit(None, 3)[-3:])
            key = _PLURAL.get(match.group("key").lower(), match.group("key").lower())
            found.append((_named(subject, naming.snake(key)), states, []))
    return found


def _machine(
    name: str, states: list[str], pairs: list[tuple[str, str]], rids: list[str]
) -> StateMachine:
    terminal = [s for s in states[1:] if _FAILURE.search(s) or _SUCCESS.match(s)]
    if not terminal and not pairs:
        terminal = [states[-1]]
    working = [s for s in states if s not in terminal]
    edges: list[tuple[str, str]] = list(pairs)
    if not pairs:
        edges += list(pairwise(working))
        for t in terminal:
            before = [s for s in working if states.index(s) < states.index(t)] or working[:1]
            sources = before if _FAILURE.search(t) else before[-1:]
            edges += [(s, t) for s in sources]
    transitions: list[Transition] = []
    seen: set[tuple[str, str]] = set()
    triggers: dict[str, list[str]] = {}
    for src, dst in edges:
        if src == dst or (src, dst) in seen:
            continue
        seen.add((src, dst))
        used = triggers.setdefault(src, [])
        trigger = naming.unique(naming.plain_name(naming.verb_of(dst), fallback="advance"), used)
        used.append(trigger)
        transitions.append(Transition(from_state=src, to_state=dst, trigger=trigger))
    origins = {t.from_state for t in transitions}
    ends = [s for s in states if s not in origins]
    return StateMachine(
        name=name,
        states=states,
        initial_state=states[0],
        terminal_states=ends or [states[-1]],
        transitions=transitions,
        requirement_ids=rids,
    )


def _section_name(title: str) -> str:
    """ "Order states" -> order_state, "Statuses" -> status."""
    words = naming.words(title)
    base = "_".join([w for w in words if w not in _SUBJECT_STOP][:-1])
    last = words[-1] if words else "state"
    last = _PLURAL.get(last, last)
    return f"{base}_{last}" if base else last


def extract(
    blocks: list[Block], requirements: list[Requirement], block_req: dict[int, str]
) -> list[StateMachine]:
    raw: list[tuple[str, list[str], list[tuple[str, str]], list[str]]] = []
    for req in requirements:
        raw += [(n, s, p, [req.id]) for n, s, p in _from_text(req.text)]
    # more states than any lifecycle has, as for the other sources (and _machine is quadratic)
    mentioned = state_mentions.extract(blocks, block_req)
    raw += [(n, s, [], r) for n, s, r in mentioned if len(s) <= _MAX_STATES]
    for i, block in enumerate(blocks):
        if block.kind == "para" and i not in block_req and role(block.path) is not Role.SKIP:
            raw += [(n, s, p, []) for n, s, p in _from_text(clean(block.text))]
    sections: dict[str, tuple[list[str], list[str]]] = {}
    for i, block in enumerate(blocks):
        if role(block.path) is Role.SKIP:
            continue
        if block.kind == "code":
            if diagram := diagrams.state_diagram(block.text):
                states = _states(diagram[0])
                pairs = [
                    (naming.plain_name(a, fallback="state"), naming.plain_name(b, fallback="state"))
                    for a, b in diagram[1]
                ]
                title = block.path[-1] if block.path else "state"
                raw.append((_section_name(title), states, pairs, []))
                continue
            for match in _UNION.finditer(block.text):
                states = _states(re.findall(r"[\"']([\w -]+)[\"']", match.group(2)))
                if states:
                    raw.append(
                        (naming.safe_name(match.group(1), fallback="status"), states, [], [])
                    )
            continue
        title = block.path[-1] if block.path else ""
        if block.kind in ("item", "para") and _STATE_SECTION.search(title) and block.parent < 0:
            lead = _LEAD.match(clean(block.text) + " ")
            if lead and _TOKEN.match(lead.group(1)):
                tokens, rids = sections.setdefault(title, ([], []))
                tokens.append(lead.group(1))
                if i in block_req:
                    rids.append(block_req[i])
    for title, (tokens, rids) in sections.items():
        if states := _states(tokens):
            raw.append((_section_name(title), states, [], rids))
    machines: list[StateMachine] = []
    names = naming.UniqueNames()
    seen: set[frozenset[str]] = set()  # state sets already made a machine (twins are dropped)
    for name, states, pairs, rids in raw:
        if not states or (state_set := frozenset(states)) in seen:
            continue
        seen.add(state_set)
        name = names.add(naming.safe_name(name, fallback="status"))
        machines.append(_machine(name, states, pairs, rids))
    return machines
