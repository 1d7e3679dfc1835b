"""Sandbox task functions used by the tests (imported inside forked children)."""

import ctypes
import os
import signal
import time
from typing import Any

_PR_SET_NAME = 15


def name_process(name: str) -> None:
    """Set this process's name (/proc/PID/comm, 15 bytes): how a test finds it from outside
    the sandbox's PID namespace, where its pid means nothing."""
    ctypes.CDLL(None).prctl(_PR_SET_NAME, name.encode()[:15], 0, 0, 0)


def echo(payload: dict[str, Any]) -> dict[str, Any]:
    return {"echo": payload, "pid": os.getpid(), "cwd": os.getcwd()}


def boom(payload: dict[str, Any]) -> None:
    raise ValueError(f"bad input {payload.get('x')}")


def sleep(payload: dict[str, Any]) -> float:
    time.sleep(float(payload["seconds"]))
    return float(payload["seconds"])


def spin(payload: dict[str, Any]) -> None:
    while True:
        pass


def allocate(payload: dict[str, Any]) -> int:
    blob = bytearray(int(payload["mb"]) * 1024 * 1024)
    return len(blob)


def hard_exit(payload: dict[str, Any]) -> None:
    os._exit(int(payload.get("code", 3)))


def segfault(payload: dict[str, Any]) -> None:
    ctypes.string_at(0)  # a real fault (a signal sent to itself would not reach PID 1)


def parent_pid(payload: dict[str, Any]) -> int:
    return os.getppid()


def kill_parent(payload: dict[str, Any]) -> None:
    os.kill(os.getppid(), signal.SIGKILL)
    time.sleep(5)


def not_json(payload: dict[str, Any]) -> object:
    return object()


def open_fds(payload: dict[str, Any]) -> list[int]:
    return sorted(int(fd) for fd in os.listdir("/proc/self/fd"))


def spawn_sleeper(payload: dict[str, Any]) -> dict[str, int]:
    """Leave a grandchild behind, as careless generated code might."""
    name_process(f"c{payload.get('token', '')}")
    named_r, named_w = os.pipe()
    grandchild = os.fork()
    if grandchild == 0:
        name_process(f"g{payload.get('token', '')}")
        os.write(named_w, b"1")  # named: the test can find it even if frozen right after
        time.sleep(30)
        os._exit(0)
    os.read(named_r, 1)
    return {"pid": os.getpid(), "grandchild": grandchild}
