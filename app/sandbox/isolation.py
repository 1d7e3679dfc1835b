"""The kernel side of the sandbox: namespaces, a read-only view of the filesystem, no privileges.

Called in the forked processes only (see `app.sandbox.child`), in this order:

1. `enter_namespaces()` (outer child): new mount, PID, network, IPC and UTS namespaces; when
   not root, inside a new user namespace that maps only our own uid and gid (the way
   `unshare -Urpm` does it), which is what lets an unprivileged service user isolate at all.
2. `prepare_view(policy)` (outer child, in the new mount namespace): every mount made private
   and read-only, nosuid (`mount_setattr(AT_RECURSIVE)`); a detached clone of that tree kept to
   expose the request's folder later; private writable tmpfs scratch on /tmp and /dev/shm;
   empty tmpfs (or /dev/null) over each hidden path; the interpreter's own paths re-exposed
   read-only when a mask covered them. The outer child holds the clone until the end: the
   inner one closes its copy before the task runs, and that close is cheap only because it is
   not the last (dissolving a mount tree waits for an RCU grace period, milliseconds).
   `mount_proc()` (the inner child, PID 1 of the new PID namespace): a /proc of its own.
3. `expose(keep_fd, path)`: the request's folder, read-only, when a mask hides it.
4. `drop_privileges(policy)`: the capability bounding set cleared, no-new-privs, the sandbox
   uid/gid (root only: a user namespace maps nothing else), no capability left.

Every failure raises `IsolationError`; nothing here is best effort. Standard library only.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import stat
import sys
from dataclasses import dataclass
from typing import Any

_libc = ctypes.CDLL(None, use_errno=True)

# x86_64 and aarch64 share these (syscalls added after 4.20 are numbered alike everywhere)
_SYS_OPEN_TREE, _SYS_MOVE_MOUNT, _SYS_MOUNT_SETATTR, _SYS_CAPSET = 428, 429, 442, 126
if os.uname().machine == "aarch64":
    _SYS_CAPSET = 91
_OPEN_TREE_CLONE, _AT_RECURSIVE, _MOVE_MOUNT_F_EMPTY_PATH = 1, 0x8000, 0x4
_MOUNT_ATTR_RDONLY, _MOUNT_ATTR_NOSUID, _MOUNT_ATTR_NODEV = 0x1, 0x2, 0x4
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_BIND, _MS_REC, _MS_PRIVATE = 4096, 16384, 1 << 18
_PR_CAPBSET_DROP, _PR_SET_NO_NEW_PRIVS, _PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 24, 38, 47, 4
_PR_SET_PDEATHSIG = 1
_CAP_VERSION_3 = 0x20080522
_NAMESPACES = os.CLONE_NEWNS | os.CLONE_NEWPID | os.CLONE_NEWNET | os.CLONE_NEWIPC | os.CLONE_NEWUTS
SCRATCH_DIRS = ("/tmp", "/dev/shm")  # private, writable, size-limited: the task's scratch


class IsolationError(RuntimeError):
    """A namespace, mount or privilege step failed: the task must not run."""


@dataclass(frozen=True)
class Policy:
    uid: int = 65534
    gid: int = 65534
    hidden_paths: tuple[str, ...] = ()
    scratch_mb: int = 64

    @classmethod
    def from_config(cls, raw: dict[str, Any]) -> Policy:
        return cls(
            uid=int(raw.get("uid", 65534)),
            gid=int(raw.get("gid", 65534)),
            hidden_paths=tuple(raw.get("hidden_paths", ())),
            scratch_mb=int(raw.get("scratch_mb", 64)),
        )


def _check(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise IsolationError(f"{what}: {os.strerror(err)} (errno {err})")
    return result


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    _check(
        _libc.mount(
            None if source is None else source.encode(),
            target.encode(),
            None if fstype is None else fstype.encode(),
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {fstype or source} on {target}",
    )


def _setattr(path: str, attrs: int, *, recursive: bool, dirfd: int = -100) -> None:
    attr = (ctypes.c_uint64 * 4)(attrs, 0, 0, 0)  # struct mount_attr
    flags = _AT_RECURSIVE if recursive else 0
    _check(
        _libc.syscall(
            _SYS_MOUNT_SETATTR, dirfd, path.encode(), flags, ctypes.byref(attr), ctypes.sizeof(attr)
        ),
        f"mount_setattr {path}",
    )


def _clone_tree(dirfd: int, path: str) -> int:
    flags = _OPEN_TREE_CLONE | _AT_RECURSIVE | os.O_CLOEXEC
    return _check(_libc.syscall(_SYS_OPEN_TREE, dirfd, path.encode(), flags), f"open_tree {path}")


def _attach(tree_fd: int, target: str) -> None:
    _check(
        _libc.syscall(
            _SYS_MOVE_MOUNT, tree_fd, b"", -100, target.encode(), _MOVE_MOUNT_F_EMPTY_PATH
        ),
        f"move_mount onto {target}",
    )


def _prctl(option: int, arg: int, arg3: int = 0) -> int:
    return int(_libc.prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(arg3), 0, 0))


def die_with_parent() -> None:
    """SIGKILL when the parent goes (a warm parent killed -9 leaves no sandbox behind)."""
    _check(_prctl(_PR_SET_PDEATHSIG, 9), "prctl(PR_SET_PDEATHSIG)")


def enter_namespaces() -> None:
    """Move into new namespaces (children forked after this are in the new PID namespace)."""
    uid, gid = os.geteuid(), os.getegid()
    try:
        os.unshare(_NAMESPACES if uid == 0 else _NAMESPACES | os.CLONE_NEWUSER)
        if uid != 0:  # map only ourselves, as unprivileged `unshare -U` does
            maps = {"setgroups": "deny", "uid_map": f"{uid} {uid} 1", "gid_map": f"{gid} {gid} 1"}
            for name, text in maps.items():
                with open(f"/proc/self/{name}", "w") as f:
                    f.write(text)
    except OSError as exc:
        raise IsolationError(f"cannot create namespaces: {exc}") from exc


def _visible(path: str) -> bool:
    return os.path.lexists(path)


def _mask(path: str) -> bool:
    """Hide `path` (a folder: an empty tmpfs, writable until `seal`; a file: /dev/null)."""
    if not _visible(path) or os.path.islink(path):
        return False
    if os.path.isdir(path):
        _mount("tmpfs", path, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=64k,mode=755")
    else:
        _mount("/dev/null", path, None, _MS_BIND)
    return True


def expose(keep_fd: int, path: str) -> bool:
    """Show folder `path` of the real (read-only) tree at the same place if a mask hid it."""
    path = os.path.normpath(path)
    relative = path.lstrip("/") or "."
    try:
        real = os.stat(relative, dir_fd=keep_fd)
    except OSError:
        return False  # absent from the real tree too: the task meets the same absence
    with contextlib.suppress(OSError):
        seen = os.stat(path)
        if (seen.st_dev, seen.st_ino) == (real.st_dev, real.st_ino):
            return False
    if not stat.S_ISDIR(real.st_mode):
        raise IsolationError(f"cannot expose {path}: not a folder")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise IsolationError(f"cannot expose {path}: {exc}") from exc
    tree = _clone_tree(keep_fd, relative)
    try:
        _attach(tree, path)
    finally:
        os.close(tree)
    return True


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _interpreter_paths() -> list[str]:
    found = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(sys.executable)}
    found.update(p for p in sys.path if p and os.path.isdir(p))
    return sorted(found)


def prepare_view(policy: Policy) -> int:
    """Build the filesystem view (see the module docstring); returns the kept tree's fd."""
    # found before any mask: a project or virtualenv under /tmp (a CI clone) or a hidden folder
    # is no longer a folder once the scratch tmpfs or a mask covers it, and would not come back
    interpreter = _interpreter_paths()
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    _setattr("/", _MOUNT_ATTR_RDONLY | _MOUNT_ATTR_NOSUID, recursive=True)
    keep = _clone_tree(-100, "/")
    masks: list[str] = []
    for path in SCRATCH_DIRS:
        if os.path.isdir(path):
            flags = _MS_NOSUID | _MS_NODEV
            _mount("tmpfs", path, "tmpfs", flags, f"size={policy.scratch_mb}m,mode=1777")
    hidden = [os.path.normpath(p) for p in policy.hidden_paths]
    masks += [p for p in hidden if _mask(p)]
    exposed = [path for path in interpreter if expose(keep, path)]
    for path in hidden:  # a hidden path at or inside a re-exposed one is hidden again
        if any(_within(path, e) for e in exposed) and _mask(path):
            masks.append(path)
    for path in masks:
        if os.path.isdir(path):
            _setattr(path, _MOUNT_ATTR_RDONLY | _MOUNT_ATTR_NOSUID, recursive=False)
    return keep


def mount_proc() -> None:
    """A /proc of our own PID namespace (call as its PID 1)."""
    try:
        _mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    except IsolationError:  # a host /proc would show every process: hide it rather
        _mount("tmpfs", "/proc", "tmpfs", _MS_NOSUID | _MS_NODEV | _MS_RDONLY, "size=4k")


def _has_caps() -> bool:
    with open("/proc/self/status") as f:
        return any(line.startswith("CapEff:") and int(line.split()[1], 16) for line in f)


def drop_privileges(policy: Policy) -> None:
    """No capability, bounding set or way back; the sandbox uid/gid when we are real root."""
    try:
        for cap in range(64):
            if _prctl(_PR_CAPBSET_DROP, cap) != 0:
                if ctypes.get_errno() == errno.EINVAL:
                    break  # past the last capability this kernel knows
                if ctypes.get_errno() == errno.EPERM and os.geteuid() != 0 and not _has_caps():
                    break  # unisolated and unprivileged: nothing to drop; no-new-privs below
                _check(-1, f"prctl(PR_CAPBSET_DROP, {cap})")
        _prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL)
        if os.getuid() == 0:
            os.setgroups([])
            os.setresgid(policy.gid, policy.gid, policy.gid)
            os.setresuid(policy.uid, policy.uid, policy.uid)
        _check(_prctl(_PR_SET_NO_NEW_PRIVS, 1), "prctl(PR_SET_NO_NEW_PRIVS)")
        header = (ctypes.c_uint32 * 2)(_CAP_VERSION_3, 0)
        data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable x 2: all zero
        _check(_libc.syscall(_SYS_CAPSET, ctypes.byref(header), ctypes.byref(data)), "capset")
    except OSError as exc:
        raise IsolationError(f"cannot drop privileges: {exc}") from exc
    if os.getuid() == 0 or os.geteuid() == 0:
        raise IsolationError("still root after dropping privileges")
