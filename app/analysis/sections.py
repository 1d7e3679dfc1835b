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


@lru_cache(maxsize=65536)
def _title_role(title: str) -> Role | None:
    """What one heading says on its own: None for a document title ("... PRD"), else SKIP,
    CONTEXT, REQUIREMENTS or NEUTRAL. Cached per title: a path's role is read from its titles',
    so documents of many distinct paths do not run every pattern on every title of every path."""
    norm = _norm(title)
    if _TITLE.search(norm):
        return None
    if _SKIP.search(norm):
        return Role.SKIP
    if _CONTEXT.search(norm):
        return Role.CONTEXT
    return Role.REQUIREMENTS if _REQUIREMENTS.search(norm) else Role.NEUTRAL


@lru_cache(maxsize=65536)
def _title_nonfunctional(title: str) -> bool:
    norm = _norm(title)
    return not _TITLE.search(norm) and bool(_NFR.search(norm))


@lru_cache(maxsize=4096)
def role(path: tuple[str, ...]) -> Role:
    roles = [r for r in map(_title_role, path) if r is not None]
    if Role.SKIP in roles:
        return Role.SKIP
    return next((r for r in reversed(roles) if r is not Role.NEUTRAL), Role.NEUTRAL)


@lru_cache(maxsize=4096)
def is_nonfunctional(path: tuple[str, ...]) -> bool:
    return any(map(_title_nonfunctional, path))


def matches(path: tuple[str, ...], pattern: re.Pattern[str]) -> bool:
    return any(pattern.search(_norm(t)) for t in path)
