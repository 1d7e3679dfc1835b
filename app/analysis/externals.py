"""External systems a PRD talks to, by name: Stripe, Trello, an MQTT broker, "the email provider".

Names come from the catalogue in `data/external_systems.yaml` (a few hundred services and
protocols, each with its category and the aliases matched as whole words). Matching looks up
every run of one to three words in one dictionary, so its cost is linear in the text. A generic
entry ("payment gateway", "email") is dropped when the PRD names a system of the same category.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from app.analysis import naming
from app.analysis.inline import clean
from app.analysis.markdown import Block
from app.analysis.plan import ExternalSystem
from app.analysis.sections import Role, role

CATALOGUE = Path(__file__).resolve().parent / "data" / "external_systems.yaml"
_MAX_WORDS = 3
_WORD = re.compile(r"[a-z0-9]+(?:[.\-+][a-z0-9]+)*\+?")
# An uncatalogued brand before "API"/"SDK"/"webhook": BVG API, the WhiteBit API, OxaPay webhooks.
# Only names that cannot be ordinary words (an inner capital or all capitals) count.
_BRAND_API = re.compile(r"\b([A-Z][a-z0-9]*[A-Z][A-Za-z0-9]*+)\s(?:API|SDK|[Ww]ebhooks?)\b")
_NOT_BRAND = frozenset(
    [
        "REST",
        "HTTP",
        "HTTPS",
        "JSON",
        "XML",
        "API",
        "SDK",
        "URL",
        "CRUD",
        "UI",
        "UX",
        "ID",
        "MVP",
        "PRD",
        "JWT",
        "SQL",
        "CSV",
        "PDF",
        "AI",
        "ML",
        "LLM",
        "OTP",
        "QR",
        "SMS",
        "SMTP",
        "TCP",
        "UDP",
        "IP",
        "CLI",
        "GUI",
        "OS",
        "IOS",
        "OAUTH",
        "SSO",
        "RPC",
        "GRPC",
        "DB",
        "GDPR",
        "HIPAA",
        "PCI",
        "KYC",
        "AML",
        "B2B",
        "B2C",
        "SaaS",
        "PaaS",
        "IoT",
        "GraphQL",
        "RESTful",
        "OpenAPI",
        "WebSocket",
    ]
)


@dataclass(frozen=True, slots=True)
class Known:
    name: str  # snake_case identifier
    label: str  # display name, as users write it
    category: str
    generic: bool


def _identifier(label: str) -> str:
    """ "PostgreSQL" -> postgresql, "Google Calendar" -> google_calendar, "1inch" -> n1inch."""
    name = "_".join(_WORD.findall(label.lower().replace(".", " ").replace("-", " ")))
    name = name.replace("+", "_plus")
    return naming.safe_name(name, fallback="external_system") if name[:1].isdigit() else name


@cache
def catalogue() -> dict[str, Known]:
    """alias (lowercase words joined by one space) -> the system it names."""
    # libyaml's loader when present: the pure-Python one takes a quarter of a second here
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(CATALOGUE.read_text(encoding="utf-8"), Loader=loader)
    aliases: dict[str, Known] = {}
    for entry in data["systems"]:
        known = Known(
            name=_identifier(entry["name"]),
            label=entry["name"],
            category=entry["category"],
            generic=bool(entry.get("generic", False)),
        )
        for alias in entry["aliases"]:
            aliases[" ".join(_WORD.findall(alias.lower()))] = known
    return aliases


def systems_in(text: str) -> list[Known]:
    """The catalogued systems named in `text`, longest alias first at each position."""
    aliases = catalogue()
    words = _WORD.findall(text.lower())
    found: list[Known] = []
    i = 0
    while i < len(words):
        for size in range(min(_MAX_WORDS, len(words) - i), 0, -1):
            known = aliases.get(" ".join(words[i : i + size]))
            if known is not None:
                if known not in found:
                    found.append(known)
                i += size
                break
        else:
            i += 1
    return found


def _brands(text: str) -> list[Known]:
    return [
        Known(name=_identifier(m.group(1)), label=m.group(1), category="http_api", generic=False)
        for m in _BRAND_API.finditer(text)
        if m.group(1) not in _NOT_BRAND and m.group(1).lower() not in catalogue()
    ]


def _block_text(block: Block) -> str:
    if block.kind == "table":
        return " ; ".join(" ; ".join(row) for row in block.rows)
    if block.kind == "code":
        return block.text
    return clean(block.text)


def _in_block(block: Block) -> list[Known]:
    """Systems one block names. Code (diagrams, configuration) counts for named systems only;
    a generic phrase beside a named system of its category describes that system."""
    text = _block_text(block)
    systems = systems_in(text)
    systems += [k for k in _brands(text) if k not in systems]
    named = {k.category for k in systems if not k.generic}
    if block.kind == "code":
        return [k for k in systems if not k.generic]
    return [k for k in systems if not (k.generic and k.category in named)]


def extract(blocks: list[Block], block_req: dict[int, str]) -> list[ExternalSystem]:
    found: dict[Known, dict[str, None]] = {}
    for i, block in enumerate(blocks):
        if role(block.path) is Role.SKIP:
            continue
        for known in _in_block(block):
            rids = found.setdefault(known, {})
            if rid := block_req.get(i):
                rids[rid] = None
    return [
        ExternalSystem(name=k.name, label=k.label, category=k.category, requirement_ids=list(r))
        for k, r in found.items()
    ]
