"""The body of one forked sandbox child: limits, one request, one answer, then a stop.

`app.sandbox.forked.ForkedChild` forks and runs `child_main`. The child becomes its own
process-group leader, closes every fd it inherited but its two pipes, sets its rlimits,
best-effort moves into a fresh network namespace, waits for its one request, runs
`module:function(payload)`, writes one JSON answer (its length first) and stops itself
until its parent kills it.

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
HEADER_BYTES = 8  # the answer's length goes first: a process the task left behind may hold
# the pipe open, so the parent cannot wait for EOF
FSIZE_LIMIT_BYTES = 64 * 1024 * 1024
NOFILE_LIMIT = 256
TRACEBACK_TAIL_LINES = 8
CHILD_GC_THRESHOLD = 100_000  # allocations between young-generation collections (default 700)


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


def _close_inherited(*keep: int) -> None:
    """Close every fd above stderr but ours: the warm parent's protocol and its channels to
    other children (a pending request pipe held open here would never reach EOF)."""
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, resource.getrlimit(resource.RLIMIT_NOFILE)[0])


def child_main(config: dict[str, Any], request_fd: int, write_fd: int) -> None:
    """Body of the forked child: set up the sandbox, wait for one request, run it. Never returns."""
    code = 0
    try:
        gc.set_threshold(CHILD_GC_THRESHOLD)  # see the module docstring
        os.setpgid(0, 0)
        _close_inherited(request_fd, write_fd)
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
        view = memoryview(len(data).to_bytes(HEADER_BYTES, "big") + data)
        while view:
            view = view[os.write(write_fd, view) :]
        os.close(write_fd)  # EOF now: the parent answers at once
        # Wait, stopped, for the parent to kill us: tearing down a copy of the warm heap costs
        # milliseconds of CPU, which the parent spends once no other check is running.
        os.kill(os.getpid(), signal.SIGSTOP)
    except BaseException:
        code = 70
    finally:
        os._exit(code)
