"""The key CLI (create prints the key once; list; revoke) and keys at rest: only hashes."""

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth import keys
from app.auth.cli import main


async def _rows(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as connection:
        result = await connection.execute(text("SELECT * FROM api_keys"))
        return [dict(r._mapping) for r in result]


@pytest.fixture
async def no_keys(cleanup_engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    async with cleanup_engine.begin() as connection:
        await connection.execute(text("DELETE FROM api_keys"))
    yield cleanup_engine
    async with cleanup_engine.begin() as connection:
        await connection.execute(text("DELETE FROM api_keys"))


async def test_create_list_revoke(
    migrated: str, no_keys: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--database-url", migrated]
    assert await _run(main, [*args, "create", "--name", "ci", "--scope", "generate",
                             "--scope", "feedback"]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    key = out.strip()
    assert key.startswith("ocg_") and len(key) == 4 + 43 and "ci" in err
    assert len(key[4:]) * 6 >= 256  # 32 random bytes, url-safe base64

    [row] = await _rows(no_keys)
    # at rest: the SHA-256, never the key (no column holds it or its secret part)
    assert row["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert not any(key[4:20] in str(v) for v in row.values())
    assert row["scopes"] == "generate feedback" and row["revoked_at"] is None

    assert await _run(main, [*args, "list", "--json"]) == 0
    listed = capsys.readouterr().out
    assert row["id"] in listed and key not in listed and key[4:20] not in listed
    assert await _run(main, [*args, "revoke", row["id"]]) == 0
    assert "revoked" in capsys.readouterr().out
    assert await _run(main, [*args, "list"]) == 0
    assert "revoked" in capsys.readouterr().out
    assert await _run(main, [*args, "revoke", "key_nope"]) == 1
    assert await _run(main, [*args, "create", "--name", " ", "--scope", "admin"]) == 2


async def _run(entry: Any, argv: list[str]) -> int:
    """The CLI runs its own event loop: run it in a thread, away from the test's loop."""
    import anyio.to_thread

    code: int = await anyio.to_thread.run_sync(entry, argv)
    return code


def test_scopes_are_checked() -> None:
    assert keys.check_scopes(["admin", "generate"]) == ("generate", "admin")
    with pytest.raises(ValueError, match="unknown scope"):
        keys.check_scopes(["root"])
    with pytest.raises(ValueError, match="at least one"):
        keys.check_scopes([])


def test_admin_holds_every_scope() -> None:
    info = keys.KeyInfo("k", "n", "p", ("admin",), None, None, None)  # type: ignore[arg-type]
    assert info.allows("generate") and info.allows("feedback") and info.allows(None)
    narrow = keys.KeyInfo("k", "n", "p", ("feedback",), None, None, None)  # type: ignore[arg-type]
    assert narrow.allows("feedback") and not narrow.allows("generate") and narrow.allows(None)
