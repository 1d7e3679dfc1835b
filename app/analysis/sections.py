"""What a section is for, judged from its heading path."""

import re
from enum import Enum
from functools import lru_cache


class Role(Enum):
    SKIP = "skip"  # out of scope, change log, glossary...: never requirements, never evidence
    CONTEXT = "context"  # overview, goals, metrics...: requirements only when nothing else exists
    REQUIREMENTS = "requirements"  # explicitly about what to build: paragraphs count too
    NEUTRAL = "neutral"  # anything else: list items and modal sentences count


_SKIP = re.compile(
    r"out[ -]of[ -]scope|non[- ]?goals?\b|not in scope|\bfuture\b|\bplanned\b|backlog|post[- ]mvp"
    r"|\bv\d+\+|won'?t have|change ?log|revision|version history|glossary|table of contents"
    r"|^contents$|^toc$|^references?$|^links$|open questions|^questions$|clarifications?"
    r"|next steps|checklist|execution (?:status|flow)|quick guidelines|^appendix|risks?\b"
    r"|mitigation|deferred|exclusions|^acknowledg|^license|^faq\b|\balternatives\b|^not doing$"
)
_CONTEXT = re.compile(
    r"^(?:product |project )?overview$|introduction|summary$|problem|background|^context$|vision"
    r"|^(?:primary |key |business |product |project )?(?:goals?|objectives?)\b|goals? and"
    r"|^(?:target |primary |secondary |intended )?(?:users?|personas?|audience|stakeholders)$"
    r"|success (?:criteria|metrics)|metrics$|\bkpis?\b|assumptions|dependencies|prerequisites"
    r"|(?:technology|tech|technical) stack|market|strategic|opportunity|(?:file|project|repo\w*) "
    r"structure|timeline|milestones|^team$|purpose|motivation|^solution$|^about\b"
)
_REQUIREMENTS = re.compile(
    r"requirement|feature|functional|capabilit|specification|mechanic|stor(?:y|ies)|epic"
    r"|use cases?|behaviou?r|rules|workflow|acceptance|scenarios|commands|operations|logic"
    r"|engine|processing|flow\b|api\b|endpoints?"
)
_NFR = re.compile(
    r"non[- ]?functional|\bnfr|quality attributes|performance|scalab|reliab|security|availab"
    r"|latency|usability|maintainab|observab|technical (?:requirements|constraints)|constraints"
    r"|compliance|^testing\b|test(?:ing)? requirements|accessib|compatib|deployment|code quality"
    r"|fault tolerance|consistency"
)
_TITLE = re.compile(r"document|\bprd\b")


def _norm(title: str) -> str:
    return title.lower().strip()


@lru_cache(maxsize=4096)
def role(path: tuple[str, ...]) -> Role:
    titles = [_norm(t) for t in path if not _TITLE.search(_norm(t))]
    if any(_SKIP.search(t) for t in titles):
        return Role.SKIP
    for title in reversed(titles):
        if _CONTEXT.search(title):
            return Role.CONTEXT
        if _REQUIREMENTS.search(title):
            return Role.REQUIREMENTS
    return Role.NEUTRAL


@lru_cache(maxsize=4096)
def is_nonfunctional(path: tuple[str, ...]) -> bool:
    return any(_NFR.search(_norm(t)) for t in path if not _TITLE.search(_norm(t)))


def matches(path: tuple[str, ...], pattern: re.Pattern[str]) -> bool:
    return any(pattern.search(_norm(t)) for t in path)
