"""Split a PRD into blocks (headings, list items, paragraphs, tables, code) with their section path.

Line based and linear: every regex here is anchored, free of nested quantifiers, and no two
adjacent quantifiers can share a character unless one is possessive (``*+``), so no line can make
the engine backtrack more than linearly (a heading's trailing ``#``s and blanks are stripped with
str methods, comments are found with ``str.find``). Documents without markdown headings ("plain"
exports) get numbered / lettered / UPPERCASE heading detection.
"""

import re
from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["heading", "item", "para", "table", "code"]

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})\s*([\w+#.-]*)")
# "# Title ##": the marker; the title is the rest without its closing "#"s (see _atx). A single
# pattern for both ("#{1,6}\s+(.*?)\s*#*\s*$") backtracked cubically on "# a" + 2,000 blanks + "x"
_ATX_OPEN = re.compile(r"\s{0,3}(#{1,6})\s")
# "2.3 The tool shall ..." lines are items too (a dotted number needs no closing dot)
_ITEM = re.compile(r"^(\s*)([-*+•]|\d{1,3}(?:\.\d{1,3}){1,3}\.?|\d{1,3}[.)]|[a-z][.)])\s+(.*)$")
_CHECKBOX = re.compile(r"^\[([ xX])\]\s*")
_PLAIN_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(\S.*)$")
_PLAIN_LETTERED = re.compile(r"^([A-Z])[.)]\s+(\S.*)$")
# possessive blanks: the lazy body tries each closing marker once, not once per split of the blanks
_BOLD_LINE = re.compile(r"^\s*+(\*\*|__)([^*_].*?)\1\s*+:?\s*+$")
_NUMBER_PREFIX = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3})*\.?|[A-Z][.)]|[IVX]{1,4}\.)\s+")
_MARKUP = re.compile(r"\*\*|__|`")
_LEADING_JUNK = re.compile(r"^[^\w(`'\"]+")
_LABEL_LEVEL = 7
# A section title in a block's path is at most this long (the heading block keeps all of it):
# every block of the section carries, searches and joins its path, so an unbounded title made
# a 256 KiB PRD (one 125 KB heading, 4,000 items) take minutes and a plan of gigabytes
MAX_PATH_TITLE = 200


@dataclass(slots=True)
class Block:
    kind: BlockKind
    text: str
    path: tuple[str, ...]
    level: int = 0  # heading level, or list nesting depth
    parent: int = -1  # index of the parent list item
    ordered: bool = False
    checkbox: bool = False
    lang: str = ""
    rows: list[list[str]] = field(default_factory=list)  # tables: header first


def clean_heading(text: str) -> str:
    """Heading text without markup, emoji or leading numbering."""
    text = _MARKUP.sub("", text).strip()
    text = _NUMBER_PREFIX.sub("", _LEADING_JUNK.sub("", text))
    text = _LEADING_JUNK.sub("", text)
    return text.strip(" :-–—").strip()


def _atx(line: str) -> tuple[int, str] | None:
    r"""(level, raw title) of an ATX heading line: what ``^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$``
    matches, the title without the optional closing ``#``s and the blanks around them."""
    if not (opening := _ATX_OPEN.match(line)):
        return None
    title = line[opening.end() :].lstrip().rstrip().rstrip("#").rstrip()
    return len(opening.group(1)), title


def _strip_comments(text: str) -> str:
    """``text`` without ``<!-- ... -->`` comments (non-greedy, as ``<!--.*?-->`` with DOTALL).

    One pass: an unclosed ``<!--`` ends the search, where the regex retried from every later
    ``<!--`` (``'<!--' * 65536`` took a minute)."""
    if "<!--" not in text:
        return text
    kept: list[str] = []
    pos = 0
    while (start := text.find("<!--", pos)) >= 0 and (end := text.find("-->", start + 4)) >= 0:
        kept.append(text[pos:start])
        pos = end + 3
    kept.append(text[pos:])
    return "".join(kept)


def short_title(title: str) -> str:
    """``title`` cut to MAX_PATH_TITLE characters (for section paths)."""
    return title if len(title) <= MAX_PATH_TITLE else title[:MAX_PATH_TITLE].rstrip()


def _split_row(line: str) -> list[str]:
    body = line.strip()
    body = body.removeprefix("|").removesuffix("|")
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", body)]


def _is_separator(cells: list[str]) -> bool:
    return bool(cells) and all(set(c.replace(" ", "")) <= set(":-") and c for c in cells)


def _plain_heading(line: str, prev_blank: bool, next_blank: bool) -> tuple[int, str] | None:
    """Headings of documents that have no markdown headings at all."""
    text = line.strip()
    if not (prev_blank and next_blank) or len(text) > 90 or text.endswith((".", ",", ";")):
        return None
    if match := _PLAIN_NUMBERED.match(text):
        if match.group(2)[0].isupper() and len(match.group(2).split()) <= 10:
            return match.group(1).count(".") + 2, match.group(2)
        return None
    if match := _PLAIN_LETTERED.match(text):
        return 2, match.group(2)
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 4 and all(c.isupper() for c in letters) and len(text.split()) <= 8:
        return 2, text
    return None


def _atx_levels(lines: list[str]) -> list[int]:
    fenced, levels = False, []
    for line in lines:
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (atx := _atx(line)):
            levels.append(atx[0])
    return levels


def parse(text: str) -> list[Block]:
    text = _strip_comments(text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    "))
    lines = text.split("\n")
    levels = _atx_levels(lines)
    plain = not levels
    # a lone top-level heading is the document title, not a section
    lone_top = len(levels) > 1 and levels[0] == min(levels) and levels.count(levels[0]) == 1
    title_level = levels[0] if lone_top else 0
    blocks: list[Block] = []
    stack: list[tuple[int, str]] = []  # (level, title)
    items: list[tuple[int, int]] = []  # (indent, block index) of open list items
    para: list[str] = []
    table: list[list[str]] = []
    continued: dict[int, list[str]] = {}  # item block index -> its continuation lines

    def path() -> tuple[str, ...]:
        return tuple(title for _, title in stack)

    def flush() -> None:
        if para:
            blocks.append(Block("para", " ".join(para), path()))
            para.clear()
        if table:
            rows = [r for r in table if not _is_separator(r)]
            blocks.append(Block("table", "", path(), rows=rows))
            table.clear()

    def heading(level: int, raw: str) -> None:
        flush()
        items.clear()
        title = clean_heading(raw)
        if not title:
            return
        while stack and stack[-1][0] >= level:
            stack.pop()
        blocks.append(Block("heading", title, path(), level=level))
        if level != title_level:
            stack.append((level, short_title(title)))

    i, n = 0, len(lines)
    if lines and lines[0].strip() == "---":  # YAML front matter
        end = next((j for j in range(1, n) if lines[j].strip() == "---"), 0)
        if end:
            blocks.append(Block("code", "\n".join(lines[1:end]), (), lang="yaml"))
            i = end + 1
    while i < n:
        line = lines[i]
        stripped = line.strip()
        if fence := _FENCE.match(line):
            flush()
            marker, code = fence.group(1), []
            i += 1
            while i < n and not lines[i].strip().startswith(marker):
                code.append(lines[i])
                i += 1
            blocks.append(Block("code", "\n".join(code), path(), lang=fence.group(2).lower()))
            i += 1
            continue
        if not stripped:
            flush()
            i += 1
            continue
        if atx := _atx(line):
            heading(*atx)
            i += 1
            continue
        if stripped.startswith("|") and stripped.count("|") >= 2:
            if para:
                flush()
            table.append(_split_row(stripped))
            i += 1
            continue
        if table:
            flush()
        prev_blank = i == 0 or not lines[i - 1].strip()
        next_blank = i + 1 >= n or not lines[i + 1].strip()
        if plain and not para and (found := _plain_heading(line, prev_blank, next_blank)):
            heading(*found)
            i += 1
            continue
        if (bold := _BOLD_LINE.match(line)) and not _ITEM.match(line) and not para:
            heading(_LABEL_LEVEL, bold.group(2))
            i += 1
            continue
        if item := _ITEM.match(line):
            flush()
            indent, marker, body = len(item.group(1)), item.group(2), item.group(3)
            checkbox = _CHECKBOX.match(body)
            if checkbox:
                body = body[checkbox.end() :]
            while items and items[-1][0] >= indent:
                items.pop()
            parent = items[-1][1] if items else -1
            depth = len(items)
            blocks.append(
                Block(
                    "item",
                    body.strip(),
                    path(),
                    level=depth,
                    parent=parent,
                    ordered=marker[0].isdigit(),
                    checkbox=checkbox is not None,
                )
            )
            items.append((indent, len(blocks) - 1))
            i += 1
            continue
        if items and not para and not prev_blank:
            continued.setdefault(items[-1][1], []).append(stripped)  # joined once, at the end
            i += 1
            continue
        if prev_blank:
            items.clear()
        para.append(stripped)
        i += 1
    flush()
    for index, more in continued.items():
        blocks[index].text = " ".join([blocks[index].text, *more])
    return blocks
