"""Jinja filters: the only ways plan data may enter generated Python source.

* `pyrepr`  - any JSON-like value as a Python literal (`repr` of str/int/float/bool/None,
  recursively for lists and dicts). PRD text only ever reaches code through this filter.
* `pytext`  - a long string as a parenthesised, implicitly concatenated literal that keeps
  lines short; still pure `repr()` pieces.
* `ident`   - an identifier taken from the plan, asserted to be a safe Python name.
* `mdtext`  - free text for Markdown files: one line, with Markdown control characters and
  HTML escaped so the README cannot be turned into something else.
"""

import keyword
import math
import re
from collections.abc import Callable
from typing import Any


class UnsafeIdentifierError(ValueError):
    """A name from the plan is not a plain, non-keyword Python identifier."""


def ident(value: object) -> str:
    if not isinstance(value, str) or not value.isidentifier() or not value.isascii():
        raise UnsafeIdentifierError(f"not a safe identifier: {value!r}")
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        raise UnsafeIdentifierError(f"identifier is a Python keyword: {value!r}")
    return value


def pyrepr(value: object) -> str:
    """A Python literal for a JSON-like value; raises on anything else."""
    if value is None or isinstance(value, bool | int | str):
        return repr(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"non-finite float cannot be rendered: {value!r}")
        return repr(value)
    if isinstance(value, list | tuple):
        items = ", ".join(pyrepr(v) for v in value)
        if isinstance(value, tuple):
            return f"({items},)" if len(value) == 1 else f"({items})"
        return f"[{items}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{pyrepr(k)}: {pyrepr(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot render {type(value).__name__} as a Python literal")


def pytext(value: str, indent: int = 4, width: int = 72) -> str:
    """A string literal, split into `repr` pieces inside parentheses when it is long."""
    text = str(value)
    if len(repr(text)) <= width:
        return repr(text)
    pieces: list[str] = []
    rest = text
    while rest:
        cut = min(len(rest), width - 8)
        if cut < len(rest):  # prefer breaking after a space
            space = rest.rfind(" ", width // 2, cut)
            if space > 0:
                cut = space + 1
        pieces.append(rest[:cut])
        rest = rest[cut:]
    pad = " " * (indent + 4)
    body = "\n".join(pad + repr(p) for p in pieces)
    return "(\n" + body + "\n" + " " * indent + ")"


_MD_SPECIAL = {c: "\\" + c for c in "\\`*_{}[]()#+-.!|>~"} | {
    "<": "&lt;",
    ">": "&gt;",
    "&": "&amp;",
}
# One regex pass: str.translate with a dict looks up every character (5x slower here).
_MD_SPECIAL_RE = re.compile("[" + re.escape("".join(_MD_SPECIAL)) + "]")


def mdtext(value: object) -> str:
    text = " ".join(str(value).split())
    return _MD_SPECIAL_RE.sub(lambda m: _MD_SPECIAL[m.group()], text)


FILTERS: dict[str, Callable[..., Any]] = {
    "ident": ident,
    "pyrepr": pyrepr,
    "pytext": pytext,
    "mdtext": mdtext,
}
