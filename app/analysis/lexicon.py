"""Keyword evidence for node kinds and capabilities, matched on whole words.

Entries ending in * are prefixes.

Matching is memoised per distinct word, so the cost of a PRD is linear in its length.
"""

import re
from functools import lru_cache

from app.analysis import naming
from app.analysis.plan import NodeKind

Hit = tuple[NodeKind, float, str]  # kind, weight, the word that matched

_KINDS: dict[NodeKind, dict[float, str]] = {
    "EFFECT": {
        1.0: "send* email* e-mail smtp notif* deliver* publish* persist* store stores stored "
        "storing "
        "storage save saves saved saving write writes writing upload* download* fetch* webhook* "
        "database* db postgres* postgresql mysql sql insert* redis s3 minio kafka queue queued "
        "emit* websocket* sms slack ingest* clone* export* snowflake mongodb dynamodb sqs sns "
        "smtp mail* http https rabbitmq",
        0.5: "deploy* sync* load loads loaded loading pull pulls pulling read reads record records "
        "recorded call calls calling integrat* gateway* provider* external retriev* route routes "
        "redirect* delete* update updates updated create creates created stream* file files "
        "alert* api endpoint* push",
    },
    "COMPUTE": {
        1.0: "calculat* comput* validat* transform* score scores scored scoring parse parses "
        "parsed "
        "parsing parser rank* convert* conversion hash hashes hashing hashed filter* classif* "
        "detect* determin* render* split* chunk* vectoriz* embedding* analyz* analys* analyse "
        "evaluat* predict* formula* algorithm* deterministic multiply multiplie* multiplier* "
        "multiplicat* estimat* normaliz* sort sorted sorting verif* "
        "synthesi* clamp* translat* infer* collision* physics rng dice payout* odds pricing tax "
        "discount* compar* ocr sha-256 sha256 sha-1 sha1 md5 base62 base64 checksum* crc32",
        0.5: "check checks checking generat* format formats formatting match matches matching "
        "select* resolv* decid* map mapping encrypt* round rounded random* tuning template* "
        "formatter formatters serializ* deserializ* encod* decod*",
    },
    "REDUCER": {
        1.0: "aggregat* accumulat* counter counters balance balances history histories streak* "
        "statistic* average* consolidat* idempoten* lifecycle* transition transitions "
        "increment* decrement* quota* ledger* leaderboard* tally marts bankroll",
        0.5: "total totals sum sums count counts track tracks tracked tracking audit state states "
        "status statuses group grouped grouping merge merged "
        "merges duplicate* deduplicat* reset resets expire expires expiration progress* "
        "snapshot* lineage lock locked unlock* increas* cursor cursors checkpoint*",
    },
    "ORCHESTRATOR": {
        1.0: "workflow* orchestrat* coordinat* pipeline* saga* dag dags schedul* cron "
        "end-to-end multi-step airflow dispatch* compensat* fan-out retrain* approval* cascade* "
        "dunning",
        0.5: "sequence* sequential* step steps background job jobs escalat* concurrent* "
        "parallel* worker* routing trigger* rollback* stage stages loop flow flows asynchronous* "
        "recover* batch batches",
    },
}
_CAPABILITIES: dict[str, str] = {
    "caching": "cache* caching ttl",
    "metrics": "metric* monitor* kpi* analytics observab* dashboard* prometheus telemetry",
    "health": "health* uptime availability liveness readiness heartbeat",
    "events": "event* publish* subscrib* webhook* kafka websocket* emit* stream*",
    "validation": "validat* verif* sanitiz* schema* constraint*",
    "retry": "retry retries retrying backoff resilien* transient",
    "logging": "log logs logged logging audit* trace traces tracing traceab*",
    "security": "auth* secur* encrypt* permission* rbac jwt password* credential* ssrf pci",
    "rate_limiting": "rate-limit* throttl* quota*",
    "circuit_breaker": "circuit breaker fallback* degrad*",
    "idempotency": "idempoten* duplicate*",
    "persistence": "persist* database* postgres* storage store stored",
}
_PHRASES: dict[str, tuple[NodeKind, float]] = {
    "state machine": ("REDUCER", 1.0),
    "audit trail": ("REDUCER", 1.0),
    "high score": ("REDUCER", 1.0),
    "best score": ("REDUCER", 1.0),
    "running total": ("REDUCER", 1.0),
    "concurrent processing": ("ORCHESTRATOR", 1.0),
    "parallel processing": ("ORCHESTRATOR", 1.0),
    "batch processing": ("ORCHESTRATOR", 1.0),
    "background processing": ("ORCHESTRATOR", 1.0),
    "approval flow": ("ORCHESTRATOR", 1.0),
    "retry policy": ("ORCHESTRATOR", 0.5),
    "message queue": ("EFFECT", 1.0),
    "local storage": ("EFFECT", 1.0),
    "file system": ("EFFECT", 1.0),
}
STOPWORDS = naming.wordset(
    "a an the all any each every of to for from in on at by with and or be is are was were "
    "must shall should will can may might could would it its their them they this that these "
    "those as when then if not no only via using use into onto within without before after "
    "during until while where which who whom whose what how why than so such also both either "
    "more most other same current existing new incoming outgoing valid invalid single "
    "multiple similar related relevant appropriate specific given automatically properly "
    "securely clearly immediately always never actionable meaningful intelligent outside "
    "inside provide provides include includes including based able want need like best "
    "enabled configurable information eventual clear detailed comprehensive efficient proper "
    "optional system systems user users service data etc e g i ie eg per up down out over"
)
_NEGATION = frozenset({"no", "not", "never", "without", "cannot", "don't", "avoid", "exclude"})
_WORD = re.compile(r"[a-z][a-z0-9/-]*")
# an example address is not I/O evidence (bounded scheme: linear even on "a.a.a.a...")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]{0,20}://\S*", re.I)


def _table(spec: str) -> tuple[frozenset[str], tuple[str, ...]]:
    entries = spec.split()
    exact = frozenset(e for e in entries if not e.endswith("*"))
    return exact, tuple(e[:-1] for e in entries if e.endswith("*"))


_KIND_TABLES = [
    (kind, weight, *_table(spec))
    for kind, by_weight in _KINDS.items()
    for weight, spec in by_weight.items()
]
_CAP_TABLES = [(cap, *_table(spec)) for cap, spec in _CAPABILITIES.items()]


@lru_cache(maxsize=65536)
def word_hits(word: str) -> tuple[Hit, ...]:
    hits: dict[NodeKind, Hit] = {}
    for kind, weight, exact, prefixes in _KIND_TABLES:
        if kind not in hits and (word in exact or word.startswith(prefixes)):
            hits[kind] = (kind, weight, word)
    return tuple(hits.values())


@lru_cache(maxsize=65536)
def word_capabilities(word: str) -> tuple[str, ...]:
    return tuple(
        cap for cap, exact, prefixes in _CAP_TABLES if word in exact or word.startswith(prefixes)
    )


def tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@lru_cache(maxsize=65536)
def kind_hits(text: str) -> dict[NodeKind, list[Hit]]:
    """Hits per kind for one text, skipping words right after a negation (read-only result)."""
    found: dict[NodeKind, list[Hit]] = {}
    words = tokens(_URL.sub(" ", text) if "://" in text else text)
    for i, word in enumerate(words):
        if any(w in _NEGATION for w in words[max(0, i - 2) : i]):
            continue
        for part in word.split("/") if "/" in word else (word,):
            for hit in word_hits(part):
                found.setdefault(hit[0], []).append(hit)
        if i and (phrase := f"{words[i - 1]} {word}") in _PHRASES:
            kind, weight = _PHRASES[phrase]
            found.setdefault(kind, []).append((kind, weight, phrase))
    return found


@lru_cache(maxsize=65536)
def capabilities(text: str) -> frozenset[str]:
    caps: set[str] = set()
    for word in tokens(_URL.sub(" ", text) if "://" in text else text):
        for part in word.split("/"):
            caps.update(word_capabilities(part))
    return frozenset(caps)
