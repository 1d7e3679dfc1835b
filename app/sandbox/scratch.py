"""Scratch folders for the projects the sandbox checks: named after the owning process, so the
ones a killed service left behind are recognised and removed at the next startup."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

PREFIX = "codegen-verify-"
LEGACY_AGE_S = 3600.0  # an unnamed (older format) folder this old has no living owner


@contextlib.contextmanager
def scratch_folder(base: Path | None) -> Iterator[Path]:
    """A fresh folder `<base>/codegen-verify-<pid>-<random>`, readable by the sandbox user,
    removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=base))
    try:
        path.chmod(0o755)  # mkdtemp makes it 0700: the sandbox's uid must enter it
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def share_folder(path: str) -> None:
    """Let the sandbox's uid enter and read `path` (a task's folder; root only, where the
    sandbox runs as another uid). Its parents are the caller's business, except under /tmp
    and /dev/shm, which the sandbox rebuilds."""
    if os.geteuid() != 0:
        return
    mode = os.stat(path).st_mode
    if mode & 0o005 != 0o005:
        os.chmod(path, mode | 0o055)


def _owner_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # ours from before a restart under the same pid: we made none yet
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(base: Path | None) -> list[str]:
    """Remove the scratch folders whose owning process is gone; returns their names. Call at
    startup, before this process makes any."""
    folder = base or Path(tempfile.gettempdir())
    removed: list[str] = []
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            if not entry.name.startswith(PREFIX) or not entry.is_dir() or entry.is_symlink():
                continue
            owner, sep, _ = entry.name[len(PREFIX) :].partition("-")
            stale = False
            if sep and owner.isdigit():
                stale = not _owner_alive(int(owner))
            else:
                with contextlib.suppress(OSError):
                    stale = time.time() - entry.stat().st_mtime > LEGACY_AGE_S
            if stale:
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry.name)
    return removed
