"""API keys: made from 256 random bits, stored as their SHA-256 (a slow password hash buys
nothing for a secret nobody can guess: there is no dictionary to slow down), looked up by hash.

A key reads `ocg_<43 url-safe characters>`; its id (`key_...`) is what `list` and `revoke` name.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import ApiKey

Scope = Literal["generate", "feedback", "admin"]
SCOPES: tuple[str, ...] = get_args(Scope)
KEY_PREFIX = "ocg_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)  # 32 bytes = 256 bits of entropy


def check_scopes(scopes: Iterable[str]) -> tuple[str, ...]:
    """The scopes in canonical order; ValueError naming any unknown one."""
    wanted = set(scopes)
    unknown = sorted(wanted - set(SCOPES))
    if unknown:
        raise ValueError(f"unknown scope(s) {unknown}; known: {list(SCOPES)}")
    if not wanted:
        raise ValueError(f"a key needs at least one scope of {list(SCOPES)}")
    return tuple(s for s in SCOPES if s in wanted)


@dataclass(frozen=True)
class KeyInfo:
    """What may be shown about a stored key (never the key: it is not stored)."""

    id: str
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, row: ApiKey) -> KeyInfo:
        return cls(
            row.id, row.name, row.prefix, tuple(row.scopes.split()),
            _utc(row.created_at) or row.created_at, _utc(row.revoked_at), _utc(row.last_used_at),
        )  # fmt: skip

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str | None) -> bool:
        """`admin` holds every scope; `None` (any valid key) is allowed to all."""
        return scope is None or scope in self.scopes or "admin" in self.scopes


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes for what was written as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


async def create(session: AsyncSession, name: str, scopes: Sequence[str]) -> tuple[KeyInfo, str]:
    """Store a new key; returns it with its plaintext, the only time the plaintext exists."""
    if not name.strip() or len(name) > 128:
        raise ValueError("a key's name is 1 to 128 characters")
    key = new_key()
    row = ApiKey(
        id="key_" + secrets.token_hex(8),
        name=name.strip(),
        key_hash=hash_key(key),
        prefix=key[:12],
        scopes=" ".join(check_scopes(scopes)),
        created_at=datetime.now(UTC),
    )
    session.add(row)
    await session.flush()
    return KeyInfo.of(row), key


async def listing(session: AsyncSession) -> list[KeyInfo]:
    rows = await session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id))
    return [KeyInfo.of(r) for r in rows]


async def revoke(session: AsyncSession, key_id: str) -> KeyInfo | None:
    """Revoke a key by id (idempotent: a revoked key keeps its first revocation time)."""
    row = await session.get(ApiKey, key_id)
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        await session.flush()
    return KeyInfo.of(row)


async def lookup(session: AsyncSession, key: str) -> KeyInfo | None:
    """The stored key whose hash matches (revoked ones too: the caller tells them apart)."""
    if not key.startswith(KEY_PREFIX) or len(key) > 128:
        return None
    row = await session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))
    return KeyInfo.of(row) if row is not None else None


async def touch(session: AsyncSession, key_id: str, when: datetime) -> None:
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=when))
