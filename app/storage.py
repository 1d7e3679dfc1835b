"""Whether the database takes writes: which failures mean storage is unavailable (full disk,
read-only file or server, the server gone), and the recent ones, which /health reports.

A failed write is a 503 `storage_unavailable` (see `app.errors`), never a 500; it is also
remembered here for `write_failure_window_s`, so that /health and /health/ready say the database
is down while writes fail, even when a read (or the rolled-back write probe) still passes, as on
a full disk."""

import errno
import time
from collections import deque
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError

# SQLite primary result codes (sqlite3.Error.sqlite_errorcode & 0xFF)
_SQLITE_BUSY = {5, 6}  # BUSY, LOCKED: another writer holds the lock; retry, not broken
_SQLITE_STORAGE = {8, 10, 13, 14}  # READONLY, IOERR, FULL, CANTOPEN
# PostgreSQL SQLSTATE classes and codes
_PG_STORAGE_CLASSES = ("08", "53", "57P", "58")  # connection, resources (53100 disk full), ...
_PG_STORAGE_CODES = {"25006"}  # read_only_sql_transaction (a standby, default read-only)
_MESSAGES = (
    "readonly database",
    "read-only",
    "disk is full",
    "disk full",
    "no space left",
    "disk i/o error",
    "unable to open database file",
)
_OS_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO}


def storage_failure(exc: BaseException) -> str | None:
    """'busy' (lock contention), 'unavailable' (writes fail), or None (not a storage failure:
    a bug, a constraint violation)."""
    if isinstance(exc, ConnectionRefusedError | ConnectionResetError | ConnectionAbortedError):
        return "unavailable"  # the database server is not listening or went away (asyncpg
        # raises these raw; nothing else a request does opens a socket)
    if isinstance(exc, OSError) and not isinstance(exc, ConnectionError):
        return "unavailable" if exc.errno in _OS_ERRNOS else None
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        primary = code & 0xFF
        if primary in _SQLITE_BUSY:
            return "busy"
        return "unavailable" if primary in _SQLITE_STORAGE else None
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if isinstance(state, str) and state:
        storage = state in _PG_STORAGE_CODES or state.startswith(_PG_STORAGE_CLASSES)
        return "unavailable" if storage else None
    if exc.connection_invalidated:
        return "unavailable"
    message = str(orig).lower()
    if "database is locked" in message:
        return "busy"
    return "unavailable" if any(m in message for m in _MESSAGES) else None


@dataclass
class WriteFailures:
    """Storage failures of real writes in this process, kept for `window_s` seconds."""

    window_s: float = 30.0
    _at: deque[float] = field(default_factory=lambda: deque(maxlen=1000))
    last_error: str | None = None

    def record(self, exc: BaseException) -> None:
        self._at.append(time.monotonic())
        self.last_error = f"{type(exc).__name__}: {getattr(exc, 'orig', None) or exc}"[:200]

    def clear(self) -> None:
        """A write has since been committed: earlier failures no longer describe the storage."""
        self._at.clear()
        self.last_error = None

    def recent(self) -> int:
        """How many writes failed within the window."""
        horizon = time.monotonic() - self.window_s
        while self._at and self._at[0] < horizon:
            self._at.popleft()
        return len(self._at)

    @property
    def retry_after_s(self) -> int:
        return max(1, round(self.window_s))
