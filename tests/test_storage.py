"""Which failures mean storage is unavailable (a 503), and which are bugs (a 500)."""

import errno

import pytest

from app.storage import WriteFailures, storage_failure


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError(errno.ECONNREFUSED, "refused"),
        ConnectionResetError(errno.ECONNRESET, "reset by peer"),  # PostgreSQL restarted
        ConnectionAbortedError(errno.ECONNABORTED, "aborted"),
        OSError(errno.ENOSPC, "no space left on device"),
    ],
)
def test_the_database_going_away_is_storage_unavailable(exc: BaseException) -> None:
    assert storage_failure(exc) == "unavailable"


@pytest.mark.parametrize(
    "exc", [BrokenPipeError(errno.EPIPE, "pipe"), ValueError("bug"), OSError(errno.ENOENT, "x")]
)
def test_other_failures_are_not(exc: BaseException) -> None:
    assert storage_failure(exc) is None


def test_a_committed_write_clears_the_failures() -> None:
    failures = WriteFailures(window_s=3600)
    failures.record(ConnectionResetError(errno.ECONNRESET, "reset"))
    assert failures.recent() == 1
    failures.clear()
    assert failures.recent() == 0
    assert failures.last_error is None
