"""Lifecycles written as lists: one "a -> b" item per transition under a "Status transitions"
label, and short state names listed under a status label ("**Appointment statuses:**" then
"- Scheduled (initial status)", "- Checked In", "- No-Show")."""

import re
from collections.abc import Callable

from app.analysis import naming
from app.analysis.fsm import Candidate
from app.analysis.inline import clean
from app.analysis.markdown import Block
from app.analysis.sections import Role, role

_KEY = re.compile(r"status|states?\b|lifecycle|life cycle|transitions?\b", re.I)
_STATE_LABEL = re.compile(r"status|states?\b|lifecycle|life cycle", re.I)
_ARROWED = re.compile(r"→|->|=>|⟶|⇒")
_NOTE = re.compile(r"\s*[(:–—].*$|\s+-\s.*$")
_MAX_ITEMS = 20

type Chain = Callable[[str], tuple[list[str], list[tuple[str, str]], str] | None]
type States = Callable[[list[str]], list[str]]


def _groups(blocks: list[Block]) -> dict[tuple[int, str], list[int]]:
    """Items of one list under one status label: (parent or -1, label) -> item indexes. An item's
    label is its parent item, else the paragraph just before its list, else its heading (one
    pass; each label is searched once)."""
    groups: dict[tuple[int, str], list[int]] = {}
    keyed: dict[int, bool] = {}  # label block (or -1 - heading slot) -> mentions a status
    intro = -1  # the paragraph just before the current top-level list
    for i, block in enumerate(blocks):
        if block.kind == "para":
            intro = i
            continue
        if block.kind != "item":
            intro = -1
            continue
        if block.parent >= 0:
            source, label = block.parent, blocks[block.parent].text
        elif intro >= 0 and blocks[intro].path == block.path:
            source, label = intro, blocks[intro].text
        else:
            source, label = -1, block.path[-1] if block.path else ""
        slot = source if source >= 0 else -2 - i
        if slot not in keyed:
            keyed[slot] = role(block.path) is not Role.SKIP and _KEY.search(label) is not None
        if keyed[slot]:
            groups.setdefault((block.parent, label), []).append(i)
    return groups


def extract(
    blocks: list[Block], block_req: dict[int, str], chain: Chain, states_of: States
) -> list[Candidate]:
    found: list[Candidate] = []
    for (_, label), items in _groups(blocks).items():
        if len(items) > _MAX_ITEMS:
            continue
        rids = list(dict.fromkeys(block_req[i] for i in items if i in block_req))
        texts = [clean(blocks[i].text) for i in items]
        name = naming.safe_name(label, fallback="status", max_words=3)
        if all(_ARROWED.search(t) for t in texts):
            states: list[str] = []
            pairs: list[tuple[str, str]] = []
            for text in texts:
                if parsed := chain(text):
                    states += parsed[0]
                    pairs += parsed[1]
            if pairs:
                found.append(Candidate(name, list(dict.fromkeys(states)), pairs, rids))
            continue
        names = [_NOTE.sub("", t).strip(" *`") for t in texts]
        short = all(0 < len(n.split()) <= 3 for n in names)
        labelled = label.rstrip(" *").endswith(":") or len(label.split()) <= 6
        if not (short and labelled and len(names) >= 3 and _STATE_LABEL.search(label)):
            continue
        if states := states_of(names):
            found.append(Candidate(name, states, [], rids))
    return found
