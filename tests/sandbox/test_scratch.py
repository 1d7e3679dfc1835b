"""Scratch folders: readable by the sandbox user, removed after use, and the ones a killed
service left behind removed at the next startup (never a living process's)."""

import os
import subprocess
import time
from pathlib import Path

from app.sandbox import SandboxPool
from app.sandbox.scratch import LEGACY_AGE_S, PREFIX, remove_stale, scratch_folder
from app.verification.verifier import Verifier


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_a_scratch_folder_is_named_after_its_process_open_to_the_sandbox_and_removed(
    tmp_path: Path,
) -> None:
    with scratch_folder(tmp_path) as folder:
        assert folder.parent == tmp_path
        assert folder.name.startswith(f"{PREFIX}{os.getpid()}-")
        assert folder.stat().st_mode & 0o777 == 0o755
        (folder / "pkg").mkdir()
    assert not folder.exists()


def test_only_folders_of_gone_processes_are_removed(tmp_path: Path) -> None:
    dead = tmp_path / f"{PREFIX}{_dead_pid()}-abc"
    mine = tmp_path / f"{PREFIX}{os.getpid()}-old"  # same pid as a killed predecessor
    living = tmp_path / f"{PREFIX}{os.getppid()}-xyz"
    old_legacy = tmp_path / f"{PREFIX}k3j4h5"
    new_legacy = tmp_path / f"{PREFIX}q9w8e7"
    unrelated = tmp_path / "something-else-123-x"
    for folder in (dead, mine, living, old_legacy, new_legacy, unrelated):
        (folder / "nodes").mkdir(parents=True)
    past = time.time() - LEGACY_AGE_S - 60
    os.utime(old_legacy, (past, past))
    removed = remove_stale(tmp_path)
    assert sorted(removed) == sorted([dead.name, mine.name, old_legacy.name])
    assert not dead.exists() and not mine.exists() and not old_legacy.exists()
    assert living.exists() and new_legacy.exists() and unrelated.exists()


async def test_the_verifier_removes_stale_scratch_at_start(tmp_path: Path) -> None:
    stale = tmp_path / f"{PREFIX}{_dead_pid()}-leak"
    stale.mkdir()
    verifier = Verifier(SandboxPool(preload=[], workers=1), scratch_dir=tmp_path)
    await verifier.start()  # a borrowed pool is not started here; the sweep still runs
    assert not stale.exists()
