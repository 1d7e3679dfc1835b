"""One forked sandbox child: its body (limits, one request, one answer) and the parent's handle.

`ForkedChild(config)` forks. The child becomes its own process-group leader, sets its
rlimits, best-effort moves into a fresh network namespace, waits for its one request on a
pipe, runs `module:function(payload)` and writes one JSON document back before `os._exit`.

Children run the cyclic GC rarely (a high generation-0 threshold): they are short-lived
and memory-capped, and every pass would walk objects copied from the warm heap.

Standard library only, like `app.sandbox.worker`, which forks these children.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import math
import os
import resource
import signal
import sys
import traceback
from typing import Any

MAX_RESULT_BYTES = 32 * 1024 * 1024
FSIZE_LIMIT_BYTES = 64 * 1024 * 1024
NOFILE_LIMIT = 256
TRACEBACK_TAIL_LINES = 8
CHILD_GC_THRESHOLD = 100_000  # allocations between young-generation collections (default 700)

_protocol_fd: int | None = None  # the warm parent's real stdout; closed in every child


def set_protocol_fd(fd: int) -> None:
    """Record the warm parent's protocol fd (its real stdout): every child closes it first."""
    global _protocol_fd
    _protocol_fd = fd


def format_exception(exc: BaseException) -> str:
    """`Type: message` plus the last lines of the traceback."""
    head = f"{type(exc).__name__}: {exc}"
    tail = traceback.format_exception(exc)[-TRACEBACK_TAIL_LINES:]
    return head + "\n" + "".join(tail).rstrip()


def _resolve(task: str) -> Any:
    module_name, sep, func_name = task.partition(":")
    if not sep or not module_name or not func_name:
        raise ValueError(f"task must look like 'module:function', got {task!r}")
    target: Any = importlib.import_module(module_name)
    for part in func_name.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise TypeError(f"{task!r} is not callable")
    return target


def _limit(kind: int, value: int) -> None:
    _, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(kind, (value, hard))


def _read_all(fd: int) -> bytes:
    chunks: list[bytes] = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


def _child(config: dict[str, Any], request_fd: int, write_fd: int) -> None:
    """Body of the forked child: set up the sandbox, wait for one request, run it. Never returns."""
    code = 0
    try:
        gc.set_threshold(CHILD_GC_THRESHOLD)  # see the module docstring
        os.setpgid(0, 0)
        if _protocol_fd is not None:
            os.close(_protocol_fd)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
        sys.dont_write_bytecode = True
        _limit(resource.RLIMIT_FSIZE, FSIZE_LIMIT_BYTES)
        _limit(resource.RLIMIT_NOFILE, NOFILE_LIMIT)
        if config.get("isolate_network", True):
            with contextlib.suppress(AttributeError, OSError):
                os.unshare(os.CLONE_NEWNET)
        memory_mb = int(config.get("memory_limit_mb") or 0)
        if memory_mb > 0:
            _limit(resource.RLIMIT_AS, memory_mb * 1024 * 1024)
        raw = _read_all(request_fd)  # EOF without a request: the spare was discarded
        os.close(request_fd)
        if not raw:
            return
        request = json.loads(raw)
        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = math.ceil(used.ru_utime + used.ru_stime)
        timeout_s = float(request["timeout_s"])
        _limit(resource.RLIMIT_CPU, spent + max(1, math.ceil(timeout_s)) + 1)
        if request.get("cwd"):
            os.chdir(request["cwd"])
        try:
            value = _resolve(request["task"])(request["payload"])
            body = json.dumps({"ok": True, "value": value}, allow_nan=False)
        except BaseException as exc:
            body = json.dumps({"ok": False, "error": format_exception(exc)})
        data = body.encode()
        if len(data) > MAX_RESULT_BYTES:
            data = json.dumps(
                {"ok": False, "error": f"ResultTooLarge: {len(data)} bytes > {MAX_RESULT_BYTES}"}
            ).encode()
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view) :]
        os.close(write_fd)  # EOF now: the parent answers while this process tears down
    except BaseException:
        code = 70
    finally:
        os._exit(code)


class ForkedChild:
    """A forked child waiting for (or running) its one request, seen from the parent."""

    def __init__(self, config: dict[str, Any]) -> None:
        """Fork a child that waits for its request."""
        request_r, self.request_w = os.pipe()
        self.result_r, result_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            for fd in (self.request_w, self.result_r):
                os.close(fd)
            _child(config, request_r, result_w)
        os.close(request_r)
        os.close(result_w)
        self.pid = pid
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.setpgid(pid, pid)  # also done by the child; whichever runs first wins the race
        self.pidfd = os.pidfd_open(pid)
        self.status: int | None = None

    @property
    def fds(self) -> tuple[int, ...]:
        """The parent's open fds of this child."""
        return tuple(fd for fd in (self.request_w, self.result_r, self.pidfd) if fd >= 0)

    def send(self, request: dict[str, Any]) -> bool:
        """Hand the request over; False if the child is already gone."""
        try:
            data = memoryview(json.dumps(request).encode())
            while data:
                data = data[os.write(self.request_w, data) :]
        except BrokenPipeError:
            return False
        finally:
            os.close(self.request_w)
            self.request_w = -1
        return True

    def release(self) -> None:
        """Done with it: kill its process group (stray grandchildren), close our fds.

        The exit status is collected later by `reap()`, off the critical path.
        """
        if self.status is None:
            kill_group(self.pid)
        for fd in self.fds:
            os.close(fd)
        self.request_w = self.result_r = self.pidfd = -1

    def reap(self) -> int:
        """Wait for the child to exit (and release it); returns the wait status."""
        if self.status is None:
            try:
                _, self.status = os.waitpid(self.pid, 0)
            finally:
                kill_group(self.pid)  # stray grandchildren of the task
                self.release()
        return self.status

    def discard(self) -> None:
        """Drop a child whatever its state (an unused spare also exits on its pipe's EOF)."""
        self.release()
        self.reap()


def describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        hint = {
            "SIGXCPU": " (CPU time limit)",
            "SIGKILL": " (killed)",
            "SIGXFSZ": " (file size limit)",
        }
        return f"child killed by signal {name}{hint.get(name, '')}"
    return f"child exited with code {os.WEXITSTATUS(status)} without a result"


def kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
