"""Find the requirement-like statements of a PRD and give each a stable id."""

import re
from dataclasses import dataclass, field
from itertools import takewhile

from app.analysis.inline import clean, is_ears
from app.analysis.markdown import Block, short_title
from app.analysis.plan import Requirement
from app.analysis.sections import Role, is_nonfunctional, role

_ID = r"[A-Z]{1,6}(?:-[A-Z]{1,6})?[-_]?\d{1,6}[a-z]?(?:\.\d{1,4}[a-z]?)*"
# "FR-001: ...", also after a tracker's label word ("Story WSO-12: ...", "Requirement R7. ...")
_ID_LABEL = r"(?:(?i:(?:user\s+)?story|requirement|feature|task|ticket|issue)\s+)?"
_ID_PREFIX = re.compile(rf"^[*_`\[]*{_ID_LABEL}({_ID})[*_`\]]*\s*+[:.)\-–—]\s*+[*_`]*\s*+(?=\S)")
_ID_CELL = re.compile(rf"^[*_`\[]*({_ID})[*_`\]]*$")
_STORY = re.compile(r"^(?:[\w ]{0,20}:\s*)?as an?\b.{0,300}?\bi (?:want|need|would like)", re.I)
_MODAL = re.compile(
    r"\b(?:must|shall|should|will|can|may not|needs? to|required to|is able to|supports?"
    r"|allows?)\b",
    re.I,
)
_LABEL = re.compile(
    r"^(?:acceptance criteria|criteria|scenarios?|steps|rules|notes?|examples?|details)\b", re.I
)
_STORY_PART = re.compile(r"^(?:as an?|i want|i need|so that)\b", re.I)
_ID_HEADER = re.compile(r"^(?:req(?:uirement)?\.?\s*)?(?:id|#|no\.?|ref|key|number)$", re.I)
_TEXT_HEADER = re.compile(
    r"descr|requirement|feature|title|summary|story|behaviou?r|outcome|details|capabilit|name"
    r"|command|criteria|function",
    re.I,
)
_META_PARA = re.compile(
    r"^(?:document )?(?:version|status|created|last updated|updated|author|date|owner|"
    r"feature branch|input|reviewers?)\s*:",
    re.I,
)
# "The key words MUST, SHALL ... are to be interpreted as described in RFC 2119": convention
_BOILERPLATE = re.compile(r"\bRFC ?(?:2119|8174)\b|are to be interpreted as described", re.I)
_META_HEADER = re.compile(
    r"priority|importance|severity|status|owner|date|version|effort|estimate|author|moscow", re.I
)


@dataclass(slots=True)
class Extracted:
    requirements: list[Requirement] = field(default_factory=list)
    block_req: dict[int, str] = field(default_factory=dict)  # block index -> requirement id
    weights: dict[str, float] = field(default_factory=dict)  # requirement id -> evidence weight


@dataclass(slots=True)
class _Draft:
    own_id: str
    text: str
    section: str
    source: str
    block: int
    nonfunctional: bool


def _kind_of(text: str, default: str) -> str:
    if is_ears(text):
        return "ears"
    if _STORY.match(text):
        return "story"
    return default


def _split_id(raw: str) -> tuple[str, str]:
    if match := _ID_PREFIX.match(raw):
        return match.group(1), raw[match.end() :]
    return "", raw


def _table_drafts(block: Block, index: int, section: str, nfr: bool) -> list[_Draft]:
    if len(block.rows) < 2:
        return []
    header = [clean(h) for h in block.rows[0]]
    body = block.rows[1:]
    id_col = next((c for c, h in enumerate(header) if _ID_HEADER.match(h)), -1)
    if id_col < 0:
        hits = [0] * len(header)  # per column, the rows whose cell is an id (one pass over cells)
        for r in body:
            for c, cell in enumerate(r[: len(header)]):
                hits[c] += bool(_ID_CELL.match(cell.strip()))
        id_col = next((c for c, h in enumerate(hits) if h >= max(1, len(body) // 2)), -1)
    text_cols = [c for c, h in enumerate(header) if c != id_col and _TEXT_HEADER.search(h)]
    if not text_cols:
        return []
    texts = set(text_cols)
    extra = [c for c in range(len(header)) if c not in texts and c != id_col]
    extra = [c for c in extra if not _META_HEADER.search(header[c])]
    drafts = []
    for row in body:
        # cells past the row's end are empty: only the columns the row has are looked at, so a
        # wide header over many short rows costs the cells, not header width x rows
        cells = [clean(c) for c in row[: len(header)]]
        own = ""
        if id_col >= 0 and (m := _ID_CELL.match(row[id_col].strip() if id_col < len(row) else "")):
            own = m.group(1)
        parts = [cells[c] for c in takewhile(len(cells).__gt__, text_cols) if cells[c]]
        parts += [
            f"{header[c]}: {cells[c]}"
            for c in takewhile(len(cells).__gt__, extra)
            if cells[c] and header[c]
        ]
        text = ". ".join(p.rstrip(".") for p in parts)
        if text:
            drafts.append(_Draft(own, text, section, "table", index, nfr or own.startswith("NFR")))
    return drafts


def _merge_children(blocks: list[Block], index: int) -> bool:
    """A list item ending with ':' whose children are short fragments absorbs them."""
    block = blocks[index]
    text = clean(block.text)
    if not text.endswith(":") or _LABEL.match(text):
        return False
    kids = [b for b in blocks[index + 1 : index + 40] if b.kind == "item" and b.parent == index]
    return bool(kids) and all(len(k.text.split()) <= 8 for k in kids)


def _is_title_item(blocks: list[Block], index: int) -> bool:
    """A short item without a sentence in it that has children is a sub-heading."""
    block = blocks[index]
    text = clean(_split_id(block.text)[1])
    has_kids = index + 1 < len(blocks) and blocks[index + 1].parent == index
    return has_kids and (
        (len(text.split()) <= 6 and not _MODAL.search(text)) or bool(_LABEL.match(text))
    )


def _drafts(blocks: list[Block], include_context: bool) -> list[_Draft]:
    drafts: list[_Draft] = []
    merged: set[int] = set()
    labels: dict[int, str] = {}
    pending_heading: tuple[str, str] | None = None
    for i, block in enumerate(blocks):
        block_role = role(block.path)
        if block_role is Role.SKIP or (block_role is Role.CONTEXT and not include_context):
            pending_heading = None
            continue
        section = " / ".join(block.path)
        nfr = is_nonfunctional(block.path)
        if block.kind == "heading":
            own, rest = _split_id(block.text)
            pending_heading = (own, clean(rest)) if own else None
            continue
        if block.kind == "table":
            drafts.extend(_table_drafts(block, i, section, nfr))
            continue
        if block.kind == "code" or block.parent in merged:
            continue
        if block.parent in labels:
            section = f"{section} / {labels[block.parent]}" if section else labels[block.parent]
        own, body = _split_id(block.text)
        text = clean(body)
        if block.kind == "item" and _merge_children(blocks, i):
            merged.add(i)
            kids = [clean(b.text) for b in blocks[i + 1 : i + 40] if b.parent == i]
            text = f"{text} {', '.join(kids)}"
        elif block.kind == "item" and not own and _is_title_item(blocks, i):
            labels[i] = short_title(text.rstrip(":"))
            if block.parent in labels:
                parent_label = labels[block.parent].split(" / ")[-2:]
                labels[i] = " / ".join([*parent_label, labels[i]])
            continue
        if not text or text.endswith("?") or len(text.split()) < 2 or text.startswith("["):
            continue
        if ("RFC" in text or "interpreted" in text) and _BOILERPLATE.search(text):
            continue
        if block.kind == "para" and (text.endswith(":") or _META_PARA.match(text)):
            continue
        if pending_heading and not own:
            own, text = pending_heading[0], f"{pending_heading[1]}: {text}"
        pending_heading = None
        if block.kind == "item":
            default = "checkbox" if block.checkbox else "bullet"
            if "acceptance" in section.lower() or "criteria" in section.lower():
                default = "criterion"
        elif (
            own
            or is_ears(text)
            or _STORY.match(text)
            or _MODAL.search(text)
            or (block_role is Role.REQUIREMENTS and len(text.split()) >= 4)
        ):
            default = "paragraph"
        else:
            continue
        source = "id" if own else _kind_of(text, default)
        drafts.append(_Draft(own, text, section, source, i, nfr or own.startswith("NFR")))
    return _join_stories(drafts, blocks)


def _join_stories(drafts: list[_Draft], blocks: list[Block]) -> list[_Draft]:
    """BMAD-style stories split over sibling items ("As a", "I want", "so that") become one."""
    out: list[_Draft] = []
    for draft in drafts:
        prev = out[-1] if out else None
        if (
            prev is not None
            and _STORY_PART.match(draft.text)
            and not draft.text.lower().startswith("as a")
            and prev.source in ("story", "bullet")
            and blocks[prev.block].parent == blocks[draft.block].parent
            and _STORY_PART.match(prev.text)
        ):
            prev.text = f"{prev.text} {draft.text}"
            prev.source = "story"
            continue
        out.append(draft)
    return out


def extract(blocks: list[Block]) -> Extracted:
    drafts = _drafts(blocks, include_context=False) or _drafts(blocks, include_context=True)
    taken = {d.own_id for d in drafts if d.own_id}
    width = max(3, len(str(len(drafts))))
    counter = 0
    result = Extracted()
    seen: dict[str, int] = {}
    for draft in drafts:
        rid = draft.own_id
        if rid:
            seen[rid] = seen.get(rid, 0) + 1
            if seen[rid] > 1:
                rid = f"{rid}#{seen[rid]}"
        else:
            counter += 1
            rid = f"R-{counter:0{width}d}"
            while rid in taken:
                counter += 1
                rid = f"R-{counter:0{width}d}"
        result.requirements.append(
            Requirement(id=rid, text=draft.text, section=draft.section, source=draft.source)
        )
        result.block_req.setdefault(draft.block, rid)
        result.weights[rid] = 0.5 if draft.nonfunctional else 1.0
    return result
