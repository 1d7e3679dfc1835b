"""Workflows written as arrow chains: "Quote → Pricing → Distance Matrix → return fare & ETA",
"**Flow:** Trigger -> Verifier API -> Validation -> Send -> Timer".

A chain of three or more short steps is a runtime sequence. Chains about a status are
lifecycles (lifecycles.py reads those), and API routes or type mappings are neither.
"""

import re

from app.analysis import flows, naming
from app.analysis.inline import clean
from app.analysis.markdown import Block
from app.analysis.plan import Flow, StateMachine
from app.analysis.sections import Role, role

_ARROW = re.compile(r"\s*(?:→|->|=>|⟶|⇒)\s*")
_QUICK = re.compile(r"→|->|=>|⟶|⇒")
_STATUS = re.compile(r"\b(?:status(?:es)?|states?|lifecycle|transitions?)\b", re.I)
_API_ROUTE = re.compile(r"\b(?:GET|POST|PUT|PATCH|DELETE)\b|(?:^|\s)/\w|[{}<>|]")
_PLAIN = ("", "text", "txt", "plaintext")
_CODE = re.compile(r"[=;]\s|\bdef\b|\bfunction\b|\bconst\b|\breturn\b")
_MAX_STEP_WORDS = 5
_MIN_STEPS, _MAX_STEPS = 3, 12


def _steps(segment: str) -> list[str]:
    parts = [p.strip(" `*_'\"") for p in _ARROW.split(segment, maxsplit=_MAX_STEPS)]
    if not _MIN_STEPS <= len(parts) <= _MAX_STEPS:
        return []
    parts[0] = re.split(r"[:(]", parts[0])[-1].strip(" `*_'\"")
    parts[-1] = re.split(r"[().;,]\s|[()]", parts[-1])[0].strip(" `*_'\"")
    if any(not p or len(p.split()) > _MAX_STEP_WORDS for p in parts):
        return []
    return parts


def _chains(text: str) -> list[tuple[str, list[str]]]:
    """(words before the chain, its steps) for each chain of a text."""
    found: list[tuple[str, list[str]]] = []
    for segment in re.split(r"(?<=[.;!?])\s+|\n", text):
        if not _QUICK.search(segment) or _API_ROUTE.search(segment):
            continue
        if steps := _steps(segment):
            found.append((segment.split(":")[0] if ":" in segment else "", steps))
    return found


def _a_lifecycle(steps: list[str], machines: list[StateMachine]) -> bool:
    """ "idle -> throwing -> landing": the states of a lifecycle, read as such already."""
    names = {naming.plain_name(s, fallback="state") for s in steps}
    return any(len(names & set(m.states)) * 2 >= len(names) for m in machines)


def extract(
    blocks: list[Block], block_req: dict[int, str], machines: list[StateMachine]
) -> list[Flow]:
    found: list[Flow] = []
    names = naming.UniqueNames()
    seen: set[tuple[str, ...]] = set()
    for i, block in enumerate(blocks):
        if block.kind not in ("para", "item", "code") or role(block.path) is Role.SKIP:
            continue
        if block.kind == "code" and (block.lang not in _PLAIN or _CODE.search(block.text)):
            continue  # program code: "a => b => c" is a curried function, not a workflow
        text = block.text if block.kind == "code" else clean(block.text)
        if not _QUICK.search(text) or _STATUS.search(text):
            continue
        for label, steps in _chains(text):
            key = tuple(naming.snake(s) for s in steps)
            if key in seen or _a_lifecycle(steps, machines):
                continue
            seen.add(key)
            title = label if 0 < len(label.split()) <= 6 else (block.path[-1] if block.path else "")
            base = naming.safe_name(f"{title} workflow", fallback="workflow", max_words=4)
            rids = [block_req[i]] if i in block_req else []
            found.append(flows.from_texts(names.add(base), steps, rids))
    return found
