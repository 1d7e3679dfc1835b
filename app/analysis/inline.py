"""Inline markdown to plain text (links, emphasis, code ticks, blank runs), and the EARS test.

Both run on every block of every PRD, so each is one pass over its text.
"""

import re
from bisect import bisect_left
from functools import lru_cache

# [text](target): what ``\[([^\]\n]{0,200})\]\([^)\s]{0,500}\)`` matches, found by _unlink in
# one pass (the regex rescanned up to 700 characters from every "[": 256 KiB of "[" took 3 s)
_LINK_TEXT_MAX, _LINK_TARGET_MAX = 200, 500
_LINK_TEXT_END = re.compile(r"[\]\n]")
_LINK_TARGET_END = re.compile(r"[)\s]")
_MARKUP = re.compile(r"\*\*|__|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)")
_SPACES = re.compile(r"\s+")
# EARS: a trigger word, then "shall" within 400 characters of the same line, as
# ``\b(?:when|if|while|where|whenever)\b.{0,400}?\bshall\b`` (re.I) matches; is_ears() checks
# it in one pass instead of scanning 400 characters after every trigger word
_EARS_TRIGGER = re.compile(r"\b(?:when|if|while|where|whenever)\b", re.I)
_EARS_SHALL = re.compile(r"\bshall\b", re.I)
_EARS_GAP = 400


def _unlink(text: str) -> str:
    """``text`` with each markdown link replaced by its text (see _LINK_TEXT_END above)."""
    kept: list[str] = []
    last = pos = 0
    target_end = -1  # the first ")" or blank at or after the last target searched from
    while (start := text.find("[", pos)) >= 0:
        if not (close := _LINK_TEXT_END.search(text, start + 1)):
            break
        end = close.start()  # every "[" before it shares this closing, so each is tried once
        pos = end + 1
        if text[end] != "]" or not text.startswith("(", end + 1):
            continue
        if target_end < end + 2:  # searched once per stretch, however many "](" it holds
            found = _LINK_TARGET_END.search(text, end + 2)
            target_end = found.start() if found else len(text)
        if target_end - (end + 2) > _LINK_TARGET_MAX or text[target_end : target_end + 1] != ")":
            continue
        if end - start - 1 > _LINK_TEXT_MAX:  # too long: the first "[" close enough, if any
            start = text.find("[", end - 1 - _LINK_TEXT_MAX, end)
            if start < 0:
                continue
        kept += (text[last:start], text[start + 1 : end])
        last = pos = target_end + 1
    kept.append(text[last:])
    return "".join(kept)


def is_ears(text: str) -> bool:
    """Whether ``text`` reads as an EARS requirement (WHEN/IF/WHILE/WHERE ... SHALL ...)."""
    if not (shalls := [m.start() for m in _EARS_SHALL.finditer(text)]):
        return False
    for trigger in _EARS_TRIGGER.finditer(text):
        after = trigger.end()
        nearest = bisect_left(shalls, after)
        if nearest < len(shalls):
            gap = shalls[nearest] - after
            if gap <= _EARS_GAP and text.find("\n", after, shalls[nearest]) < 0:
                return True
    return False


@lru_cache(maxsize=65536)
def clean(text: str) -> str:
    text = _unlink(text) if "[" in text else text
    text = _MARKUP.sub("", text.replace("`", ""))
    return _SPACES.sub(" ", text).strip()
