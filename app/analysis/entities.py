"""Domain entities and their fields: entity sections, data-model code, field tables, prose."""

import re

from app.analysis import naming
from app.analysis.inline import clean
from app.analysis.markdown import Block
from app.analysis.plan import Entity, EntityField, FieldType
from app.analysis.sections import Role, role

_ENTITY_SECTION = re.compile(
    r"entit|data ?models?|domain model|schema|\bmodels?\b|data structures?", re.I
)
_NAMED = re.compile(r"^([A-Za-z][\w ]{0,40}?)\s*(?:\([^)]{0,80}\))?\s*[:\-–—]\s+(.+)$")
_FIELD_INTRO = re.compile(
    r"\b(?:with|including|includes?|contains?|has|have|tracks?|stores?)\b:?\s+", re.I
)
_PROSE = re.compile(
    r"\b(?:create|store|record|submit|add|register|save)s?\s+(?:an?\s+|the\s+|new\s+)?"
    r"(?P<noun>[a-z]+(?: [a-z]+)?)\s+with:?\s+(?P<list>.+)$|"
    r"^(?P<noun2>[A-Z]?[a-z]+(?: [a-z]+){0,2}?) (?:should |must )?(?:include|contain|have)s?:"
    r"\s*(?P<list2>.+)$",
    re.I,
)
_IO_SECTION = re.compile(r"request|response|payload|body|input|output", re.I)
_TS_HEAD = re.compile(
    r"^\s*(?:export\s+)?(?:interface|class|type|struct|model|record)\s+([A-Za-z_]\w*)"
)
_TS_FIELD = re.compile(r"^\s*(?:readonly\s+)?[\"']?([A-Za-z_]\w*)[\"']?\??\s*:\s*([^/,;]+)")
_PY_FIELD = re.compile(r"^\s{2,}([a-z_]\w*)\s*:\s*([\w\[\], |.]+)")
_STOP = frozenset({"a", "an", "the", "its", "their", "optional", "etc", "e", "g", "and", "or"})


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "uses")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def entity_name(text: str) -> str:
    parts = naming.words(text)[-3:]
    if not parts:
        return ""
    parts[-1] = _singular(parts[-1])
    return naming.pascal(" ".join(parts))


def field_type(name: str, declared: str = "") -> FieldType:
    d = declared.strip().lower()
    if d.endswith("[]") or d.startswith(("list", "array", "string[]")):
        return "list[str]"
    if d in ("date", "datetime", "timestamp"):
        return "datetime"
    if d in ("boolean", "bool"):
        return "bool"
    if d in ("int", "integer"):
        return "int"
    if d in ("float", "double", "decimal"):
        return "float"
    if d == "number":
        return "int" if re.search(r"count|priority|number|index|quantity|size", name) else "float"
    if d.startswith(("dict", "record", "map", "object", "{")):
        return "dict[str, str]"
    if d:
        return "str"
    if name.endswith(("_at", "_date", "timestamp")) or name in ("date", "created", "updated"):
        return "datetime"
    if name.startswith(("is_", "has_", "can_")) or name.endswith(("_enabled", "locked", "active")):
        return "bool"
    if re.search(r"(?:^|_)(?:count|quantity|priority|index|number|age|shooters|floor)$", name):
        return "int"
    if re.search(
        r"amount|price|total|cost|balance|rate|score|percentage|multiplier|bankroll", name
    ):
        return "float"
    if name.endswith(("_list", "_ids", "tags")):
        return "list[str]"
    if re.search(r"metadata|payload|headers|options|details|jsonb", name):
        return "dict[str, str]"
    return "str"


def _fields_from_list(text: str) -> list[EntityField]:
    text = re.sub(r"\([^)]{0,120}\)", "", text)
    out: list[EntityField] = []
    for part in re.split(r",|;|\band\b|\bor\b", text):
        part = part.strip().rstrip(".")
        is_list = part.endswith("[]") or "[" in part
        tokens = [w for w in naming.words(part) if w not in _STOP]
        if not tokens or len(tokens) > 4:
            continue
        name = naming.field_name(" ".join(tokens))
        if name:
            out.append(EntityField(name=name, type="list[str]" if is_list else field_type(name)))
    return out


def _from_code(block: Block) -> list[tuple[str, list[EntityField]]]:
    found: list[tuple[str, list[EntityField]]] = []
    typed = any(_TS_HEAD.match(line) for line in block.text.split("\n"))
    if not typed and not any(
        _ENTITY_SECTION.search(t) or _IO_SECTION.search(t) for t in block.path[-2:]
    ):
        return []
    current = entity_name(re.sub(r"\([^)]*\)", "", block.path[-1])) if block.path else ""
    fields: list[EntityField] = []
    for line in block.text.split("\n"):
        if head := _TS_HEAD.match(line):
            if current and fields:
                found.append((current, fields))
            current, fields = entity_name(head.group(1)), []
            continue
        match = _TS_FIELD.match(line) or _PY_FIELD.match(line)
        if not match or "=>" in line or "(" in match.group(2):
            continue
        name = naming.field_name(match.group(1))
        declared = match.group(2).strip()
        if declared.startswith(("true", "false")):
            declared = "bool"
        elif re.match(r"^-?\d+$", declared):
            declared = "int"
        elif declared.startswith(('"', "[", "{")) or declared[:1].isdigit():
            declared = {"[": "list", "{": "dict", '"': "str"}.get(declared[:1], "float")
        if name:
            fields.append(EntityField(name=name, type=field_type(name, declared)))
    if current and fields:
        found.append((current, fields))
    return found


def _from_table(block: Block) -> list[tuple[str, list[EntityField]]]:
    header = [clean(h).lower() for h in block.rows[0]] if block.rows else []
    if "type" not in header or not any(
        h in ("field", "name", "attribute", "column") for h in header
    ):
        return []
    name_col = next(
        i for i, h in enumerate(header) if h in ("field", "name", "attribute", "column")
    )
    type_col = header.index("type")
    fields = []
    for row in block.rows[1:]:
        if max(name_col, type_col) < len(row) and (name := naming.field_name(clean(row[name_col]))):
            fields.append(EntityField(name=name, type=field_type(name, clean(row[type_col]))))
    title = entity_name(block.path[-1]) if block.path else ""
    return [(title, fields)] if title and fields else []


def _from_text(block: Block, text: str) -> list[tuple[str, list[EntityField]]]:
    in_section = any(_ENTITY_SECTION.search(t) for t in block.path[-2:])
    if in_section and (named := _NAMED.match(text)):
        name, rest = named.group(1), named.group(2)
        intro = _FIELD_INTRO.search(rest)
        listed = rest if not intro and "," in rest else rest[intro.end() :] if intro else ""
        fields = _fields_from_list(re.split(r"\.\s", listed)[0])
        return [(entity_name(name), fields)] if len(naming.words(name)) <= 4 else []
    lowered = text.lower()
    if not any(k in lowered for k in (" with", "include", "contain", "have")):
        return []
    if prose := _PROSE.search(text):
        noun = prose.group("noun") or prose.group("noun2") or ""
        listed = prose.group("list") or prose.group("list2") or ""
        fields = _fields_from_list(listed)
        if len(fields) >= 2 and noun.lower() not in _STOP:
            return [(entity_name(noun), fields)]
    return []


def extract(blocks: list[Block]) -> list[Entity]:
    merged: dict[str, dict[str, EntityField]] = {}
    for index, block in enumerate(blocks):
        if role(block.path) is Role.SKIP:
            continue
        if block.kind == "code":
            found = _from_code(block)
        elif block.kind == "table":
            found = _from_table(block)
        elif block.kind in ("item", "para"):
            text = clean(block.text)
            if text.endswith(":"):
                kids = [clean(b.text) for b in blocks[index + 1 : index + 40] if b.parent == index]
                text = f"{text} {', '.join(kids)}"
            found = _from_text(block, text)
        else:
            continue
        for name, fields in found:
            if not name:
                continue
            if naming.is_reserved(name) or naming.is_reserved(name.lower()):
                name = f"{name}Entity"
            names = {f.name for f in fields}
            if name not in merged and any(names <= set(v) for v in merged.values()):
                continue
            slot = merged.setdefault(name, {})
            for f in fields[:16]:
                slot.setdefault(f.name, f)
    return [Entity(name=name, fields=list(fields.values())[:16]) for name, fields in merged.items()]
