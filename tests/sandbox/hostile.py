"""Planted hostile tasks: what a malicious generated package could do inside the sandbox.

Imported only by the sandbox tests, inside forked sandbox children (never reachable from a PRD).
Each returns what it managed, so a test can assert that it managed nothing.
"""

import os
import resource
import socket
import time
from pathlib import Path
from typing import Any

from tests.sandbox.tasks import name_process


def read_file(payload: dict[str, Any]) -> str:
    return Path(payload["path"]).read_text(errors="replace")


def connect(payload: dict[str, Any]) -> str:
    with socket.create_connection(("127.0.0.1", int(payload["port"])), timeout=2):
        return "connected"


def fork_bomb(payload: dict[str, Any]) -> None:
    name_process(payload["name"])
    while True:
        os.fork()  # every copy forks too, until the process limit says no


def allocate_gib(payload: dict[str, Any]) -> int:
    return len(bytearray(int(payload["gib"]) << 30))


def raise_limits(payload: dict[str, Any]) -> dict[str, str]:
    outcome = {}
    for name in ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_NPROC", "RLIMIT_FSIZE", "RLIMIT_NOFILE"):
        kind = getattr(resource, name)
        try:
            resource.setrlimit(kind, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            outcome[name] = "raised"
        except (ValueError, OSError) as exc:
            outcome[name] = f"{type(exc).__name__}: {exc}"
    return outcome


def loop_forever(payload: dict[str, Any]) -> None:
    while True:
        pass


def escape_with_setsid(payload: dict[str, Any]) -> None:
    """A grandchild in its own session and process group, ignoring SIGTERM and SIGHUP."""
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:  # daemonised: its parent exits, it is nobody's child in the group
            name_process(payload["name"])
            import signal

            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
            time.sleep(120)
        os._exit(0)
    time.sleep(120)


def write_everywhere(payload: dict[str, Any]) -> dict[str, str]:
    outcome = {}
    for path in payload["paths"]:
        try:
            Path(path).write_text("planted")
            outcome[path] = "written"
        except OSError as exc:
            outcome[path] = f"{type(exc).__name__}: {exc.strerror}"
    return outcome


def whoami(payload: dict[str, Any]) -> dict[str, Any]:
    status = Path("/proc/self/status").read_text()
    caps = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    return {
        "uid": os.getuid(),
        "gid": os.getgid(),
        "pid": os.getpid(),
        "CapEff": caps["CapEff"].strip(),
        "CapBnd": caps["CapBnd"].strip(),
        "NoNewPrivs": caps["NoNewPrivs"].strip(),
        "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "env": sorted(os.environ),
        "hard_as": resource.getrlimit(resource.RLIMIT_AS)[1],
    }


def list_cwd(payload: dict[str, Any]) -> dict[str, Any]:
    """What a task that was given no folder sees where it starts."""
    return {"cwd": os.getcwd(), "entries": sorted(os.listdir("."))}
