"""Turning arbitrary PRD text into safe Python identifiers.

Everything that leaves this module is ASCII, a valid identifier, not a keyword and never clashes
with a builtin, a pydantic ``BaseModel`` attribute or a type name used in generated annotations;
no name is longer than ``MAX_NAME`` (a longer one keeps a prefix and a digest: ``shorten``).
PRD text itself is cleaned of control characters by ``strip_control`` before analysis.
"""

import builtins
import hashlib
import keyword
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_WORD = re.compile(r"[A-Za-z0-9]+")
MAX_NAME = 60  # file names (255), columns (128) and the framework's step_name (255) all fit
# C0 controls but tab and newline, DEL, and lone surrogates (not text; PostgreSQL refuses NUL)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

_BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_"))
# Names a generated pydantic model must not use as a field.
_MODEL_RESERVED = frozenset(
    {
        "construct",
        "copy",
        "dict",
        "fields",
        "from_orm",
        "json",
        "parse_file",
        "parse_obj",
        "parse_raw",
        "schema",
        "schema_json",
        "update_forward_refs",
        "validate",
        "datetime",
        "any",
        "literal",
        "field",
        "optional",
        "self",
        "cls",
    }
)


_TYPE_NAMES = frozenset({"str", "int", "float", "bool", "list", "dict", "type", "object", "bytes"})


def wordset(spaced: str) -> frozenset[str]:
    """frozenset of the space-separated words of a literal (keeps long vocabularies readable)."""
    return frozenset(spaced.split())


def words(text: str) -> list[str]:
    """ASCII words of ``text``, camelCase split, lower-cased (accents folded, emoji dropped)."""
    # state names, parts and titles come back thousands of times: short texts are memoised
    return list(_short_words(text)) if len(text) <= 64 else _words(text)


@lru_cache(maxsize=16384)
def _short_words(text: str) -> tuple[str, ...]:
    return tuple(_words(text))


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    folded = _CAMEL.sub(" ", folded)
    return [w.lower() for w in _WORD.findall(folded)]


def strip_control(text: str) -> str:
    """``text`` with line breaks made ``\\n`` and every other control character removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def shorten(name: str, *, limit: int = MAX_NAME, sep: str = "_") -> str:
    """``name`` if it has at most ``limit`` characters, else a prefix, ``sep`` and the first
    8 hex digits of its SHA-256: deterministic, and two long names stay apart."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    if sep != "_":
        digest = digest.upper()
    return f"{name[: limit - 8 - len(sep)].rstrip('_')}{sep}{digest}"


def snake(text: str, *, max_words: int = 6) -> str:
    """snake_case of ``text`` ("" when nothing usable is left), at most MAX_NAME characters."""
    return shorten("_".join(words(text)[:max_words]))


def pascal(text: str, *, max_words: int = 6) -> str:
    return shorten("".join(w.capitalize() for w in words(text)[:max_words]), sep="")


def is_reserved(name: str) -> bool:
    return keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in _BUILTINS


def safe_name(text: str, *, fallback: str, max_words: int = 6) -> str:
    """A snake_case identifier that is not a keyword or builtin and does not start with a digit."""
    name = snake(text, max_words=max_words) or fallback
    if not name:
        return ""
    if name[0].isdigit():
        name = f"n{name}"
    if is_reserved(name):
        name = f"{name}_"
    return name


def plain_name(text: str, *, fallback: str) -> str:
    """snake_case identifier that only avoids keywords (for state and trigger values)."""
    name = snake(text) or fallback
    if name[0].isdigit():
        name = f"s{name}"
    return f"{name}_" if keyword.iskeyword(name) or keyword.issoftkeyword(name) else name


def field_name(text: str) -> str:
    """A name usable as a pydantic field ("" when the text has no usable characters)."""
    name = snake(text, max_words=5)
    if not name:
        return ""
    if name[0].isdigit():
        name = f"f{name}"
    if name.startswith("model_"):
        name = f"field_{name}"
    reserved = keyword.iskeyword(name) or keyword.issoftkeyword(name)
    if reserved or name in _MODEL_RESERVED or name in _TYPE_NAMES:
        name = f"{name}_"
    return name


def unique(name: str, taken: Iterable[str]) -> str:
    """``name`` or ``name_2``, ``name_3``... whichever is not in ``taken``."""
    used = set(taken)
    if name not in used:
        return name
    n = 2
    while f"{name}_{n}" in used:
        n += 1
    return f"{name}_{n}"


class UniqueNames:
    """Names made unique as ``unique`` does, one after another, in time linear in their number:
    ``add(name)`` is ``unique(name, given)`` followed by remembering the result."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.used = set(taken)
        self._next: dict[str, int] = {}  # base -> first suffix not yet known to be taken

    def add(self, name: str) -> str:
        if name not in self.used:
            self.used.add(name)
            return name
        n = self._next.get(name, 2)
        while f"{name}_{n}" in self.used:
            n += 1
        self._next[name] = n + 1
        self.used.add(found := f"{name}_{n}")
        return found


_IRREGULAR = {
    "paid": "pay",
    "sent": "send",
    "built": "build",
    "done": "complete",
    "won": "win",
    "lost": "lose",
    "made": "make",
    "held": "hold",
    "closed": "close",
    "active": "activate",
    "open": "open",
    "new": "create",
    "created": "create",
}
_DOUBLED = re.compile(r"([bdgklmnprt])\1$")
_E_VERBS = (
    "at",
    "iv",
    "ov",
    "ir",
    "ur",
    "rg",
    "us",
    "os",
    "ag",
    "ys",
    "ud",
    "id",
    "or",
    "et",
    "ul",
    "eu",
    "lv",
    "tl",
    "in",
    "rc",
    "rs",
    "nc",
)


def verb_of(state: str) -> str:
    """Best-effort verb for reaching ``state``: approved -> approve, manager_approved -> ..."""
    parts = state.split("_")
    for i in (0, len(parts) - 1):
        verb = _verb(parts[i])
        if verb:
            return "_".join([*parts[:i], verb, *parts[i + 1 :]])
    return f"mark_{state}"


def _verb(head: str) -> str:
    if head in _IRREGULAR:
        verb = _IRREGULAR[head]
    elif head.endswith("ied"):
        verb = head[:-3] + "y"
    elif head.endswith("ed") and len(head) > 4:
        stem = head[:-2]
        if _DOUBLED.search(stem):
            verb = stem[:-1]
        elif stem.endswith(_E_VERBS) or stem.endswith("c"):
            verb = stem + "e"
        else:
            verb = stem
    else:
        return ""
    return verb
