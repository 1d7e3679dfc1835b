"""State diagrams drawn in a PRD's mermaid code blocks (`stateDiagram` / `stateDiagram-v2`)."""

import re

_HEADER = re.compile(r"^[ \t]*stateDiagram(?:-v2)?\b", re.M)  # not \s: linear on blank lines
_EDGE = re.compile(r"^\s*(\[\*\]|[A-Za-z][\w-]*)\s*-->\s*(\[\*\]|[A-Za-z][\w-]*)\s*(?::.*)?$")
_START_END = "[*]"


def state_diagram(text: str) -> tuple[list[str], list[tuple[str, str]]] | None:
    """(states, transitions) of a mermaid state diagram, initial state first; None otherwise.

    `[*] --> a` marks the initial state and `a --> [*]` a final one; neither is a state itself.
    """
    if not _HEADER.search(text):
        return None
    initial: list[str] = []
    states: dict[str, None] = {}  # dicts as ordered sets: first mention first
    pairs: dict[tuple[str, str], None] = {}
    for line in text.splitlines():
        if not (edge := _EDGE.match(line)):
            continue
        src, dst = edge.group(1), edge.group(2)
        if src == _START_END and dst != _START_END:
            initial.append(dst)
        for state in (src, dst):
            if state != _START_END:
                states.setdefault(state)
        if _START_END not in (src, dst):
            pairs.setdefault((src, dst))
    ordered = initial[:1] + [s for s in states if s not in initial[:1]]
    return (ordered, list(pairs)) if len(ordered) >= 2 else None
