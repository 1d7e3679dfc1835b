"""SandboxPool behaviour through real warm parents and forked children."""

import asyncio
import os
import signal
import time

import pytest

from app.sandbox import SandboxError, SandboxPool, run_once

T = "tests.sandbox.tasks"


async def test_round_trip_returns_json_value_and_runs_in_cwd(tmp_path) -> None:
    tmp_path.chmod(0o755)  # the sandbox user must be able to enter the folder
    async with SandboxPool(preload=["json"], workers=1) as pool:
        result = await pool.run(f"{T}:echo", {"a": [1, "é"]}, timeout_s=5, cwd=str(tmp_path))
    assert result.ok and result.error is None and not result.timed_out
    assert result.value["echo"] == {"a": [1, "é"]}
    assert result.value["cwd"] == str(tmp_path)
    assert result.duration_ms > 0


async def test_task_exception_is_returned_not_raised() -> None:
    async with SandboxPool(preload=[], workers=1) as pool:
        result = await pool.run(f"{T}:boom", {"x": 7}, timeout_s=5)
        bad_task = await pool.run("no_such_module_xyz:fn", {}, timeout_s=5)
        unserialisable = await pool.run(f"{T}:not_json", {}, timeout_s=5)
    assert not result.ok
    assert result.error is not None and result.error.startswith("ValueError: bad input 7")
    assert "Traceback" in result.error
    assert not bad_task.ok and bad_task.error.startswith("ModuleNotFoundError")
    assert not unserialisable.ok and unserialisable.error.startswith("TypeError")


async def test_wall_timeout_kills_the_child_and_the_worker_survives() -> None:
    async with SandboxPool(preload=[], workers=1) as pool:
        started = time.perf_counter()
        result = await pool.run(f"{T}:sleep", {"seconds": 30}, timeout_s=0.5)
        assert time.perf_counter() - started < 3
        assert not result.ok and result.timed_out
        assert "TimeoutError" in (result.error or "")
        after = await pool.run(f"{T}:echo", {}, timeout_s=5)
        assert after.ok and pool.restart_count == 0


async def test_cpu_bound_task_is_stopped() -> None:
    async with SandboxPool(preload=[], workers=1) as pool:
        result = await pool.run(f"{T}:spin", {}, timeout_s=0.5)
    assert not result.ok and result.timed_out


async def test_memory_limit_is_enforced() -> None:
    async with SandboxPool(preload=[], workers=1, memory_limit_mb=256) as pool:
        small = await pool.run(f"{T}:allocate", {"mb": 16}, timeout_s=5)
        big = await pool.run(f"{T}:allocate", {"mb": 1024}, timeout_s=5)
    assert small.ok and small.value == 16 * 1024 * 1024
    assert not big.ok and "MemoryError" in (big.error or "")


async def test_crashes_are_reported_with_exit_code_or_signal() -> None:
    async with SandboxPool(preload=[], workers=1) as pool:
        exited = await pool.run(f"{T}:hard_exit", {"code": 9}, timeout_s=5)
        crashed = await pool.run(f"{T}:segfault", {}, timeout_s=5)
        healthy = await pool.run(f"{T}:echo", {}, timeout_s=5)
    assert not exited.ok and "exited with code 9" in (exited.error or "")
    assert not crashed.ok and "SIGSEGV" in (crashed.error or "")
    assert healthy.ok


async def test_concurrency_equals_workers() -> None:
    async with SandboxPool(preload=[], workers=2) as pool:
        started = time.perf_counter()
        results = await asyncio.gather(
            *(pool.run(f"{T}:sleep", {"seconds": 0.4}, timeout_s=5) for _ in range(4))
        )
        elapsed = time.perf_counter() - started
    assert all(r.ok for r in results)
    assert 0.75 < elapsed < 1.6  # two rounds of two, not four in parallel nor in series


async def test_event_loop_is_not_blocked() -> None:
    async with SandboxPool(preload=[], workers=1) as pool:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.create_task(ticker())
        await pool.run(f"{T}:sleep", {"seconds": 0.3}, timeout_s=5)
        task.cancel()
    assert ticks >= 15


async def test_the_task_cannot_kill_its_warm_parent_and_a_dead_one_is_restarted() -> None:
    async with SandboxPool(preload=[], workers=1) as pool:
        first_pid = pool.worker_pids[0]
        assert first_pid is not None
        result = await pool.run(f"{T}:kill_parent", {}, timeout_s=1)
        assert not result.ok and result.timed_out  # its parent is out of its reach
        assert pool.worker_pids[0] == first_pid and pool.restart_count == 0
        busy = asyncio.create_task(pool.run(f"{T}:sleep", {"seconds": 5}, timeout_s=10))
        await asyncio.sleep(0.3)
        os.kill(first_pid, signal.SIGKILL)  # as the OOM killer would
        died = await busy
        assert not died.ok and "SandboxError" in (died.error or "")
        after = await pool.run(f"{T}:echo", {}, timeout_s=5)
        assert after.ok and pool.worker_pids[0] != first_pid
        assert pool.restart_count == 1 and pool.alive


async def test_preload_failure_fails_start_and_closed_pool_refuses_work() -> None:
    pool = SandboxPool(preload=["no_such_module_xyz"], workers=1)
    with pytest.raises(SandboxError, match="no_such_module_xyz"):
        await pool.start()
    assert not pool.alive
    ok_pool = SandboxPool(preload=[], workers=1)
    await ok_pool.start()
    assert ok_pool.alive
    await ok_pool.close()
    assert not ok_pool.alive
    with pytest.raises(SandboxError):
        await ok_pool.run(f"{T}:echo", {}, timeout_s=1)


def test_run_once_sync_helper() -> None:
    result = run_once(f"{T}:echo", {"k": 1}, timeout_s=5)
    assert result.ok and result.value["echo"] == {"k": 1}


async def test_code_importable_from_under_tmp_stays_importable(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project or virtualenv under /tmp (a CI clone) is re-exposed over the private /tmp."""
    assert str(tmp_path).startswith("/tmp/")
    tmp_path.chmod(0o755)
    (tmp_path / "under_tmp_module.py").write_text("def hello(payload):\n    return 'hi'\n")
    (tmp_path / "under_tmp_module.py").chmod(0o644)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    async with SandboxPool(preload=[], workers=1) as pool:
        result = await pool.run("under_tmp_module:hello", {}, timeout_s=5)
    assert result.ok, result.error
    assert result.value == "hi"
