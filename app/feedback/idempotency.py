"""Idempotent writes under an `Idempotency-Key`: a retry answers what the first request got.

The row a request writes and its idempotency record are inserted in one transaction, so the
record exists exactly when the row does. The first statement of that transaction is a write (an
SQLite writer then waits for the lock instead of failing on a stale snapshot). Two concurrent
requests with one key both write; the loser's record hits the primary key (on PostgreSQL it
waits on the index until the winner commits), its transaction rolls back, and it answers the
winner's record. A key is scoped to the route and the caller (API key id, or `open`).
"""

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.guard import Principal
from app.feedback.errors import IdempotencyKeyReused
from app.feedback.models import IdempotencyRecord
from app.storage import WriteFailures

log = logging.getLogger(__name__)
Body = dict[str, Any]


@dataclass(frozen=True)
class Claim:
    """One request's claim on (scope, key), with the digest of what it asked."""

    scope: str
    key: str
    request_sha256: str

    @classmethod
    def of(cls, route: str, principal: Principal, key: str, request: object) -> "Claim":
        caller = principal.key.id if principal.key is not None else "open"
        canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        return cls(f"{route}:{caller}", key, digest)


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: Body
    replayed: bool


async def recorded(session: AsyncSession, claim: Claim) -> Answer | None:
    """The stored answer to this claim's key; 422 when the key was used for another request."""
    record = await session.get(IdempotencyRecord, (claim.scope, claim.key))
    if record is None:
        return None
    if record.request_sha256 != claim.request_sha256:
        raise IdempotencyKeyReused()
    return Answer(record.status_code, dict(record.response), replayed=True)


async def write_once(
    sessionmaker: async_sessionmaker[AsyncSession],
    claim: Claim | None,
    write: Callable[[AsyncSession], Awaitable[Body]],
    status_code: int = 201,
    writes: WriteFailures | None = None,
) -> Answer:
    """Run `write` (adds and flushes its rows, returns the answer's body) and store the answer
    under `claim` in the same transaction, committed before returning; a concurrent request
    that claimed the key first wins, and its answer is returned instead. A commit tells `writes`
    (what /health reports) that storage takes writes again."""
    try:
        async with sessionmaker() as session, session.begin():
            body = await write(session)
            if claim is not None:
                session.add(
                    IdempotencyRecord(
                        scope=claim.scope,
                        key=claim.key,
                        request_sha256=claim.request_sha256,
                        status_code=status_code,
                        response=body,
                    )
                )
        if writes is not None:
            writes.clear()
        return Answer(status_code, body, replayed=False)
    except IntegrityError:
        if claim is None:
            raise
        async with sessionmaker() as session:
            winner = await recorded(session, claim)
        if winner is None:  # not the key's primary key: a real constraint violation
            raise
        log.info("a concurrent request with this Idempotency-Key was stored first: replayed")
        return winner
