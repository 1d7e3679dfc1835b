"""The errors access control raises (rendered in the one shape by `app.errors`)."""

from app.errors import AppError


class Unauthorized(AppError):
    """No key, an unknown key or a revoked one (401 with `WWW-Authenticate: Bearer`)."""

    status_code = 401
    code = "unauthorized"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(AppError):
    """A valid key without the scope the route needs; the body names it (`required_scope`)."""

    status_code = 403
    code = "forbidden"


class RateLimited(AppError):
    """Over the key's (or, in open mode, the client address's) limit; `Retry-After` in seconds."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after_s: int, limit: str) -> None:
        super().__init__(
            detail,
            headers={"Retry-After": str(retry_after_s)},
            retry_after_s=retry_after_s,
            limit=limit,
        )
