"""Planted hostile packages are stopped and reported, and the pool stays healthy afterwards.

The tasks (tests/sandbox/hostile.py) reach the sandbox through the pool directly, the hook the
verifier itself uses, never through a PRD. The whole file also runs as a non-root user with user
namespaces (tests/sandbox/test_hostile_nonroot.py), as under the Dockerfile's `USER 10001`.
"""

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from app.config import Settings
from app.sandbox import SandboxPolicy, SandboxPool
from tests.sandbox.test_child_lifecycle import host_pid

H = "tests.sandbox.hostile"
T = "tests.sandbox.tasks"


@pytest.fixture
def database_file() -> Iterator[Path]:
    """A service database outside the usual `var/` (readable by this process, as the real one
    is by the service), configured the way the service is configured."""
    folder = Path("/var/tmp") / f"codegen-sandbox-test-{uuid.uuid4().hex}"
    folder.mkdir()
    db = folder / "codegen.db"
    db.write_text("SQLite format 3\x00 secret rows")
    yield db
    db.unlink()
    folder.rmdir()


@pytest.fixture
async def pool(database_file: Path) -> AsyncIterator[SandboxPool]:
    settings = Settings()
    settings.database.url = f"sqlite+aiosqlite:///{database_file}"
    policy = SandboxPolicy.from_settings(settings)
    async with SandboxPool(preload=[], workers=1, memory_limit_mb=512, policy=policy) as pool:
        assert pool.isolation == "namespaces", pool.status
        yield pool
        # the pool stays healthy: a normal task succeeds afterwards, on the same warm parent
        after = await pool.run(f"{T}:echo", {"after": True}, timeout_s=5)
        assert after.ok and after.value["echo"] == {"after": True}
        assert pool.alive and pool.restart_count == 0


async def _gone(name: str, timeout_s: float = 5.0) -> bool:
    for _ in range(int(timeout_s / 0.05)):
        if host_pid(name) is None:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_it_runs_unprivileged_in_its_own_pid_namespace(pool: SandboxPool) -> None:
    result = await pool.run(f"{H}:whoami", {}, timeout_s=5)
    assert result.ok, result.error
    me = result.value
    assert me["uid"] != 0 and me["pid"] == 1
    assert me["CapEff"] == "0000000000000000" and me["CapBnd"] == "0000000000000000"
    assert me["NoNewPrivs"] == "1"
    assert me["processes"] == [1]  # the service and its other children are out of sight
    assert not [k for k in me["env"] if k.startswith("CODEGEN_")]
    assert me["hard_as"] == 512 * 1024 * 1024


async def test_reading_etc_shadow_is_refused(pool: SandboxPool) -> None:
    result = await pool.run(f"{H}:read_file", {"path": "/etc/shadow"}, timeout_s=5)
    assert not result.ok and "PermissionError" in (result.error or "")


async def test_the_service_database_is_hidden(pool: SandboxPool, database_file: Path) -> None:
    assert os.access(database_file, os.R_OK)  # readable from outside the sandbox
    result = await pool.run(f"{H}:read_file", {"path": str(database_file)}, timeout_s=5)
    assert not result.ok and "FileNotFoundError" in (result.error or "")
    control = await pool.run(f"{H}:read_file", {"path": "/etc/hostname"}, timeout_s=5)
    assert control.ok  # the view is read-only, not empty: only the hidden paths are gone


async def test_opening_a_socket_to_a_local_listener_fails(pool: SandboxPool) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        port = listener.getsockname()[1]
        result = await pool.run(f"{H}:connect", {"port": port}, timeout_s=5)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody ever knocked
    assert not result.ok and "Network is unreachable" in (result.error or "")


async def test_a_fork_bomb_hits_the_process_limit_and_dies_with_its_namespace(
    pool: SandboxPool,
) -> None:
    name = f"b{uuid.uuid4().hex[:12]}"
    result = await pool.run(f"{H}:fork_bomb", {"name": name}, timeout_s=3)
    assert not result.ok
    assert "Resource temporarily unavailable" in (result.error or "") or result.timed_out
    await pool.run(f"{T}:echo", {}, timeout_s=5)  # the next task: the bomb's child is torn down
    assert await _gone(name)


async def test_allocating_10_gib_fails_and_the_limits_cannot_be_raised(pool: SandboxPool) -> None:
    result = await pool.run(f"{H}:allocate_gib", {"gib": 10}, timeout_s=5)
    assert not result.ok and "MemoryError" in (result.error or "")
    raised = await pool.run(f"{H}:raise_limits", {}, timeout_s=5)
    assert raised.ok
    assert all(v.startswith("ValueError") for v in raised.value.values()), raised.value


async def test_a_task_looping_forever_is_killed_at_the_timeout(pool: SandboxPool) -> None:
    result = await pool.run(f"{H}:loop_forever", {}, timeout_s=1)
    assert not result.ok and result.timed_out
    assert "TimeoutError: task exceeded 1s wall time and was killed" in (result.error or "")


async def test_a_setsid_grandchild_does_not_outlive_the_timeout(pool: SandboxPool) -> None:
    name = f"s{uuid.uuid4().hex[:12]}"
    running = asyncio.create_task(pool.run(f"{H}:escape_with_setsid", {"name": name}, timeout_s=2))
    seen = None
    while seen is None and not running.done():  # the task runs for 2 s before its kill
        await asyncio.sleep(0.02)
        seen = host_pid(name)
    assert seen is not None  # it did escape its group: the test is not vacuous
    outside = {os.getsid(0), os.getsid(pool.worker_pids[0] or 0)}
    assert os.getsid(seen) not in outside and os.getpgid(seen) == os.getsid(seen)
    result = await running
    assert not result.ok and result.timed_out
    assert await _gone(name, timeout_s=2.0)


async def test_writing_outside_scratch_fails(pool: SandboxPool, tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o755)
    targets = [
        str(tmp_path / "in_cwd"),
        f"/var/tmp/planted-{uuid.uuid4().hex}",
        str(Path(__file__).with_name(f"planted-{uuid.uuid4().hex}")),
        "/etc/planted",
    ]
    scratch = f"/tmp/ok-{uuid.uuid4().hex}"
    result = await pool.run(
        f"{H}:write_everywhere", {"paths": [*targets, scratch]}, timeout_s=5, cwd=str(tmp_path)
    )
    assert result.ok, result.error
    for path in targets:
        assert result.value[path] == "OSError: Read-only file system", (path, result.value)
        assert not os.access(path, os.F_OK)
    assert result.value[scratch] == "written"  # its private scratch works...
    assert not os.access(scratch, os.F_OK)  # ...and is not the host's /tmp


async def test_a_task_started_inside_a_hidden_folder_does_not_see_into_it(
    database_file: Path,
) -> None:
    """A service whose working folder is hidden (its database's folder here): a task given no
    folder starts in the same path, looked up through the view, so it sees the mask."""
    previous = os.getcwd()
    os.chdir(database_file.parent)
    try:
        policy = SandboxPolicy(hidden_paths=(str(database_file.parent),))
        async with SandboxPool(preload=[], workers=1, policy=policy) as pool:
            result = await pool.run(f"{H}:list_cwd", {}, timeout_s=5)
    finally:
        os.chdir(previous)
    assert result.ok, result.error
    assert database_file.name not in result.value["entries"]
