"""What happens to a forked child after its answer: it waits, stopped, with every process it
started, until the pool is quiet; then its parent tears it down and forks the next one."""

import asyncio
import uuid
from pathlib import Path

from app.sandbox import SandboxPool

T = "tests.sandbox.tasks"


def _state(pid: int) -> str | None:
    """The process state letter (R, S, T, Z...), or None once the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return None


def host_pid(name: str) -> int | None:
    """The pid, as this test sees it, of the process named `name` (see tasks.name_process)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    return int(entry.name)
            except OSError:
                continue
    return None


async def _gone(pid: int, timeout_s: float = 5.0) -> bool:
    for _ in range(int(timeout_s / 0.05)):
        if _state(pid) in (None, "Z"):
            return True
        await asyncio.sleep(0.05)
    return False


async def test_answered_child_and_its_strays_stay_stopped_until_the_pool_is_quiet() -> None:
    async with SandboxPool(preload=[], workers=2) as pool:
        busy = asyncio.create_task(pool.run(f"{T}:sleep", {"seconds": 1.0}, timeout_s=5))
        await asyncio.sleep(0.1)
        token = uuid.uuid4().hex[:12]
        result = await pool.run(f"{T}:spawn_sleeper", {"token": token}, timeout_s=5)
        assert result.ok
        assert result.value["pid"] == 1  # PID 1 of its own namespace
        child, grandchild = host_pid(f"c{token}"), host_pid(f"g{token}")
        assert child is not None and grandchild is not None
        await asyncio.sleep(0.1)
        assert _state(child) == "T" and _state(grandchild) == "T"  # frozen, not running
        assert (await busy).ok
        assert await _gone(child) and await _gone(grandchild)


async def test_a_child_inherits_no_channel_of_its_parent_or_siblings() -> None:
    async with SandboxPool(preload=[], workers=2) as pool:
        busy = asyncio.create_task(pool.run(f"{T}:sleep", {"seconds": 1.0}, timeout_s=5))
        await asyncio.sleep(0.1)
        first = await pool.run(f"{T}:open_fds", {}, timeout_s=5)
        # forked on demand while the first child still waits, stopped, with its pipes open
        second = await pool.run(f"{T}:open_fds", {}, timeout_s=5)
        await busy
    for result in (first, second):
        assert result.ok
        extra = [fd for fd in result.value if fd > 2]
        assert len(extra) == 2, result.value  # the answer pipe and the listing itself
