"""States named one at a time across requirements, as Kiro/EARS specs do: "record it with state
`issued`", "IF the record is in state `used`", "transition the record to `expired`"."""

import re
from collections import Counter

from app.analysis import naming
from app.analysis.markdown import Block

_TOKEN = r"`([A-Za-z][\w-]{0,30})`"
_MENTIONS = (
    re.compile(rf"\b(?:state|status)\s+(?:is\s+|to\s+|of\s+|=\s*)?{_TOKEN}", re.I),
    re.compile(rf"\bin\s+(?:the\s+)?{_TOKEN}\s+(?:state|status)\b", re.I),
    re.compile(rf"\b(?:transition|move|mark)\w*\b[^.;`]{{0,60}}?\bto\s+{_TOKEN}", re.I),
)
_MIN_STATES = 3
_NAME_STOP = naming.wordset(
    "the a an it its with of for to in on is are be been was then when while where if and or not "
    "no shall must should will may can system user state status record records time current new "
    "transition transitions display displays set sets mark marks move moves"
)


def extract(
    blocks: list[Block], block_req: dict[int, str]
) -> list[tuple[str, list[str], list[str]]]:
    """At most one (name, states in order of first mention, requirement ids) per PRD, read
    from the requirements' own text (backticks kept)."""
    states: dict[str, None] = {}  # dicts as ordered sets: order of first mention
    rids: dict[str, None] = {}
    words: Counter[str] = Counter()
    for index, rid in block_req.items():
        text = blocks[index].text
        if "`" not in text:
            continue
        for pattern in _MENTIONS:
            for match in pattern.finditer(text):
                states.setdefault(naming.plain_name(match.group(1), fallback="state"))
                if rid not in rids:
                    rids.setdefault(rid)
                    words.update(naming.words(text))
    if len(states) < _MIN_STATES:
        return []
    # what the states belong to: the word these requirements repeat most ("token")
    subjects = [(n, w) for w, n in words.items() if w not in _NAME_STOP and w not in states]
    subject = max(subjects, default=(0, ""))[1] if subjects else ""
    return [(f"{subject}_state" if subject else "state", list(states), list(rids))]
