"""The bearer-token guard every non-public route depends on.

`requires(scope, rate=...)` is a route's dependency and `auth_errors(scope, rate=...)` the
statuses it adds to the route's `responses=`. In `open` mode (the embedded default) no key is
asked for; in `keys` mode a valid, unrevoked key holding `scope` is (`None`: any valid key).
Rate-limited routes count each request against the key, or in open mode the client address.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.params import Depends as DependsParam
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth import keys
from app.auth.errors import Forbidden, Unauthorized
from app.auth.ratelimit import RateLimiter
from app.config import AuthSettings

log = logging.getLogger(__name__)
# the OpenAPI security scheme; auto_error=False: a missing header is ours to answer (open mode)
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="`Authorization: Bearer <key>`; keys come from `make api-key` (auth.mode=keys)",
)
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per key


@dataclass(frozen=True)
class Principal:
    """Who made the request: a key's id, or `open:<address>` in open mode."""

    identity: str
    key: keys.KeyInfo | None


class AuthService:
    """Built in the lifespan: the mode, the key store and the rate limiter."""

    def __init__(
        self,
        settings: AuthSettings,
        sessionmaker: async_sessionmaker[AsyncSession],
        limiter: RateLimiter | None = None,
    ) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.limiter = limiter or RateLimiter.from_settings(settings)
        self._touched: dict[str, datetime] = {}

    @property
    def open(self) -> bool:
        return self.settings.mode == "open"

    def announce(self) -> None:
        if self.open:
            log.warning(
                "access control is OFF (auth.mode=open): every route answers without an API "
                "key; set auth.mode=keys and create keys with `make api-key` before exposing "
                "this service beyond localhost"
            )
        else:
            log.info("access control: API keys required (auth.mode=keys)")

    async def authorize(self, request: Request, token: str | None, scope: str | None) -> Principal:
        if self.open:
            host = request.client.host if request.client else "unknown"
            return Principal(f"open:{host}", None)
        if not token:
            raise Unauthorized("this route needs an API key: send `Authorization: Bearer <key>`")
        async with self.sessionmaker() as session:
            key = await keys.lookup(session, token)
        if key is None:
            raise Unauthorized("the API key is not valid")
        if not key.active:
            raise Unauthorized("the API key was revoked")
        if not key.allows(scope):
            raise Forbidden(
                f"the API key lacks the `{scope}` scope this route needs",
                required_scope=scope,
            )
        await self._touch(key.id)
        return Principal(key.id, key)

    async def _touch(self, key_id: str) -> None:
        now = datetime.now(UTC)
        last = self._touched.get(key_id)
        if last is not None and now - last < TOUCH_EVERY:
            return
        self._touched[key_id] = now
        async with self.sessionmaker() as session, session.begin():
            await keys.touch(session, key_id, now)


def get_auth(request: Request) -> AuthService:
    service: AuthService = request.state.auth
    return service


Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]


class Guard:
    """The dependency: authorise, then count the request against its rate limit (if any)."""

    def __init__(self, scope: str | None, rate: str | None) -> None:
        self.scope = scope
        self.rate = rate

    async def __call__(
        self,
        request: Request,
        credentials: Credentials,
        auth: Annotated[AuthService, Depends(get_auth)],
    ) -> Principal:
        token = credentials.credentials if credentials is not None else None
        principal = await auth.authorize(request, token, self.scope)
        if self.rate is not None:
            await auth.limiter.hit(self.rate, principal.identity)
        return principal


def requires(scope: keys.Scope | None = None, *, rate: str | None = None) -> DependsParam:
    """A route's dependency: a key holding `scope` (None: any valid key), rate-limited by
    `rate` (`generate` or `feedback`, the `auth.<rate>_rate` setting) when given."""
    return DependsParam(Guard(scope, rate))


def auth_errors(scope: keys.Scope | None = None, *, rate: str | None = None) -> tuple[int, ...]:
    """The statuses `requires(scope, rate=rate)` can add: for the route's error_responses().
    503: in keys mode the key is looked up in the database, which may be unavailable."""
    scoped = (403,) if scope is not None else ()
    return (401, *scoped, *((429,) if rate is not None else ()), 503)
