"""Status lifecycles: state enumerations, arrow chains and "Statuses" sections -> StateMachine."""

import re

from app.analysis import diagrams, fsm, naming, state_lists, state_mentions
from app.analysis.inline import clean
from app.analysis.markdown import Block
from app.analysis.plan import ANY_STATE, Requirement, StateMachine
from app.analysis.sections import Role, role

_KEY = r"(?:status(?:es)?|states?|lifecycle|life cycle|stages?|phases?)"
_ENUM = re.compile(
    rf"\b(?P<key>{_KEY})\b(?:\s(?:field|column|values?|choices|options|limited|restricted"
    r"|to|one|of|can|be|must|either|enum|set)\b){0,5}"
    r"\s*(?P<sep>\(|:|-|are|is one of|includes?|values?)\s*"
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
_NOT_STATE = naming.wordset(
    "else then if when otherwise unless until after before within all any none other etc "
    "id ids uuid url urls str int float bool dict json timestamp date get post put patch delete"
)
_ID_LIKE = re.compile(r"^[a-z]{1,5}_?\d+(?:_\d+)*$")  # fr_020, us3: requirement ids, not states


def _plural_noun(state: str) -> bool:
    return state.endswith("s") and not state.endswith(("ss", "us", "is", "_in", "ys"))


_MAX_STATES = 20
_MAX_CANDIDATES = 200


def _states(parts: list[str]) -> list[str]:
    out: list[str] = []
    for part in parts:
        if len(out) > _MAX_STATES:
            return []  # too many to be a lifecycle (and "in out" would be quadratic)
        words = naming.words(part)
        if not words or len(words) > 3 or words[0].isdigit() or _NOT_STATE & set(words):
            return []
        state = naming.plain_name(part, fallback="state")
        if _ID_LIKE.match(state):
            return []
        if state not in out:
            out.append(state)
    if sum(map(_plural_noun, out)) * 2 >= len(out):
        return []  # "videos, audio, thumbnails": things, not the states of one
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


_ANY = re.compile(rf"^(?:any|every|all)(?:\s+(?:other\s+)?{_KEY})?$", re.I)
_ALTERNATIVES = re.compile(r"\s*(?:(?<![Nn])/(?![Aa]\b)|,|\bor\b)\s*")


def _alternatives(part: str, last: bool) -> list[str]:
    """ "completed/cancelled", "ready or failed", and after the last arrow "a, b (note)"."""
    if last:
        part = re.split(r"[().:]", part)[0]
    options = [o.strip(" `*'\"") for o in _ALTERNATIVES.split(part.strip())]
    options = [o for o in options if o]
    if last:  # the chain ends where the prose starts
        kept = []
        for option in options:
            if len(option.split()) > 2:
                break
            kept.append(option)
        return kept or [" ".join(options[0].split()[:2])] if options else []
    return options


_NEXT_CHAIN = re.compile(r"\s+or\s+(?=[`*\w]+[`*]*\s*(?:→|->|=>|⟶|⇒))")
_API_ROUTE = re.compile(r"\b(?:GET|POST|PUT|PATCH|DELETE)\b|(?:^|\s)/\w|[{}]")


def arrow_chain(segment: str) -> tuple[list[str], list[tuple[str, str]], str] | None:
    """(states, stated pairs, text before the chain) of "a -> b -> c/d", "any status -> x";
    "a -> b or a -> c" is two chains. API routes ("POST /x -> y") are not lifecycles."""
    if _API_ROUTE.search(segment):
        return None
    chains = [c for c in map(_one_chain, _NEXT_CHAIN.split(segment)) if c]
    if not chains:
        return None
    states = list(dict.fromkeys(s for c in chains for s in c[0]))
    pairs = list(dict.fromkeys(p for c in chains for p in c[1]))
    return states, pairs, chains[0][2]


def _run_on(option: str) -> bool:
    """ "CANCELED IN_PROGRESS": two states run together (list items joined into one text)."""
    return sum(1 for w in option.split() if len(w) > 1 and w.isupper()) >= 2


def _steps(parts: list[str]) -> list[tuple[list[str], list[str]]]:
    """(targets, sources) per part. A comma list between two arrows is the previous arrow's
    targets then the next one's source ("a -> b, c, d -> e": list items joined into one text);
    "b/c" and "b or c" are alternatives, each both a target and a source."""
    steps: list[tuple[list[str], list[str]]] = []
    for i, part in enumerate(parts):
        if i == len(parts) - 1:
            targets = _alternatives(part, last=True)
            steps.append((targets, targets))
            continue
        items = [x for x in re.sub(r"\([^()]*\)", " ", part).split(",") if x.strip()]
        options = [_alternatives(x, last=False) for x in items]
        if not options:
            steps.append(([], []))
            continue
        targets = [o for group in options[:-1] for o in group] if len(options) > 1 else options[0]
        steps.append((targets, options[-1]))
    return steps


def _one_chain(segment: str) -> tuple[list[str], list[tuple[str, str]], str] | None:
    parts = _ARROW.split(segment, maxsplit=2 * _MAX_STATES + 1)
    if not 2 <= len(parts) <= 2 * _MAX_STATES + 1:
        return None  # longer than any lifecycle
    head = re.split(r"[(:,]", parts[0])[-1].split()[-2:]
    before = segment[: segment.find(parts[0]) + len(parts[0]) - len(" ".join(head))]
    parts[0] = " ".join(head)
    if re.fullmatch(_KEY, parts[0].strip(" `*"), re.I):
        parts = parts[1:]  # "status -> canceled" sets a status; it is not one
    if len(parts) < 2:
        return None
    steps = _steps(parts)
    if any(_run_on(option) for targets, sources in steps[:-1] for option in targets + sources):
        return None
    from_any = _ANY.match(parts[0].strip(" `*")) is not None
    flat = [o for targets, sources in steps[1 if from_any else 0 :] for o in targets + sources]
    states = _states(flat)
    if any(len(o.split()) > 3 for o in flat) or not (states or from_any):
        return None
    name = [([_state(o) for o in t], [_state(o) for o in s]) for t, s in steps]
    sources = [ANY_STATE] if from_any else name[0][1]
    pairs: list[tuple[str, str]] = []
    for targets, next_sources in name[1:]:
        pairs += [(a, b) for a in sources for b in targets if a != b]
        sources = next_sources
    if not pairs:
        return None
    if from_any:
        states = list(dict.fromkeys(b for _, b in pairs))
    return states, list(dict.fromkeys(pairs)), before


def _state(option: str) -> str:
    return naming.plain_name(option, fallback="state")


def _from_text(text: str) -> list[tuple[str, list[str], list[tuple[str, str]]]]:
    found: list[tuple[str, list[str], list[tuple[str, str]]]] = []
    if not _QUICK.search(text):
        return found
    if _ARROW.search(text) and re.search(_KEY + r"|transition", text, re.I):
        for segment in re.split(r"[;.]\s", text):
            if chain := arrow_chain(segment):
                states, pairs, before = chain
                found.append((_subject(before, "lifecycle"), states, pairs))
    for match in _ENUM.finditer(text):
        if match.group("sep") == "(" and not _listed(match.group("key"), match.group("list")):
            continue
        items = re.split(
            r"\s*(?:(?<![Nn])/(?![Aa]\b)|,|\||\bor\b|→|->)\s*", match.group("list").strip()
        )
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
        if len(raw) >= _MAX_CANDIDATES:
            break  # far more lifecycle statements than any PRD makes: the rest is noise
        raw += [(n, s, p, [req.id]) for n, s, p in _from_text(req.text)]
    # more states than any lifecycle has, as for the other sources (and _machine is quadratic)
    mentioned = state_mentions.extract(blocks, block_req)
    raw += [(n, s, [], r) for n, s, r in mentioned if len(s) <= _MAX_STATES]
    for i, block in enumerate(blocks):
        if len(raw) >= 2 * _MAX_CANDIDATES:
            break
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
    candidates = [fsm.Candidate(n, s, p, r) for n, s, p, r in raw if s]
    candidates += state_lists.extract(blocks, block_req, arrow_chain, _states)
    machines: list[StateMachine] = []
    names = naming.UniqueNames()
    for found in fsm.merge(candidates):
        if len(found.states) >= 2:
            name = names.add(naming.safe_name(found.name, fallback="status"))
            machines.append(fsm.build(name, found))
    return machines
