"""Warm sandbox parent: `python -m app.sandbox.worker CONFIG_JSON`.

The process imports the `preload` modules once, then serves requests read as JSON lines on
stdin. Every request runs in a *forked* child, so each task starts from the same warm,
already-imported state and can never leak into the next one. The child:

* becomes its own process-group leader (the parent kills the whole group on timeout),
* sets RLIMIT_AS / RLIMIT_CPU / RLIMIT_FSIZE / RLIMIT_NOFILE,
* best-effort moves into a fresh network namespace (no interfaces but a downed loopback),
* chdirs to the requested directory, imports and calls `module:function(payload)`,
* writes one JSON document to a pipe and leaves with `os._exit`.

Responses go back on the *original* stdout as JSON lines; file descriptor 1 is pointed at
stderr at startup so a stray `print()` in a preloaded module cannot corrupt the protocol.

Standard library only: this module must stay importable by any interpreter the pool is
pointed at, and cheap to start.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import math
import os
import resource
import select
import signal
import sys
import time
import traceback
from typing import Any

MAX_RESULT_BYTES = 32 * 1024 * 1024
FSIZE_LIMIT_BYTES = 64 * 1024 * 1024
NOFILE_LIMIT = 256
TRACEBACK_TAIL_LINES = 8

_protocol_fd: int | None = None  # the real stdout; closed in every child


def _format_exception(exc: BaseException) -> str:
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


def _child(request: dict[str, Any], config: dict[str, Any], write_fd: int) -> None:
    """Body of the forked child. Never returns."""
    code = 0
    try:
        os.setpgid(0, 0)
        if _protocol_fd is not None:
            os.close(_protocol_fd)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
        sys.dont_write_bytecode = True
        timeout_s = float(request["timeout_s"])
        _limit(resource.RLIMIT_CPU, max(1, math.ceil(timeout_s)) + 1)
        _limit(resource.RLIMIT_FSIZE, FSIZE_LIMIT_BYTES)
        _limit(resource.RLIMIT_NOFILE, NOFILE_LIMIT)
        if config.get("isolate_network", True):
            with contextlib.suppress(AttributeError, OSError):
                os.unshare(os.CLONE_NEWNET)
        memory_mb = int(config.get("memory_limit_mb") or 0)
        if memory_mb > 0:
            _limit(resource.RLIMIT_AS, memory_mb * 1024 * 1024)
        if request.get("cwd"):
            os.chdir(request["cwd"])
        try:
            value = _resolve(request["task"])(request["payload"])
            body = json.dumps({"ok": True, "value": value}, allow_nan=False)
        except BaseException as exc:
            body = json.dumps({"ok": False, "error": _format_exception(exc)})
        data = body.encode()
        if len(data) > MAX_RESULT_BYTES:
            data = json.dumps(
                {"ok": False, "error": f"ResultTooLarge: {len(data)} bytes > {MAX_RESULT_BYTES}"}
            ).encode()
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view) :]
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def _describe_status(status: int) -> str:
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


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def run_request(request: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """Fork, run one task, enforce the wall timeout; always returns a response dict."""
    started = time.perf_counter()
    timeout_s = float(request["timeout_s"])
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read_fd)
        _child(request, config, write_fd)
    os.close(write_fd)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.setpgid(pid, pid)  # also done by the child; whichever runs first wins the race
    pidfd = os.pidfd_open(pid)
    chunks: list[bytes] = []
    size = 0
    timed_out = False
    exited = False
    deadline = started + timeout_s
    try:
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                timed_out = True
                break
            readable, _, _ = select.select([read_fd, pidfd], [], [], remaining)
            if read_fd in readable:
                chunk = os.read(read_fd, 1 << 16)
                if chunk:
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > MAX_RESULT_BYTES + 1024:
                        break
                    continue
                # EOF: the child closed the pipe (normally by exiting).
                break
            if pidfd in readable:
                exited = True
                break
        if exited:  # drain what the child wrote before it died
            os.set_blocking(read_fd, False)
            with contextlib.suppress(BlockingIOError):
                while chunk := os.read(read_fd, 1 << 16):
                    chunks.append(chunk)
    finally:
        if timed_out:
            _kill_group(pid)
        _, status = os.waitpid(pid, 0)
        _kill_group(pid)  # stray grandchildren of the task
        os.close(read_fd)
        os.close(pidfd)
    duration_ms = (time.perf_counter() - started) * 1000.0
    response: dict[str, Any] = {
        "id": request.get("id"),
        "ok": False,
        "value": None,
        "error": None,
        "timed_out": timed_out,
        "duration_ms": duration_ms,
    }
    if timed_out:
        response["error"] = f"TimeoutError: task exceeded {timeout_s:g}s wall time and was killed"
        return response
    raw = b"".join(chunks)
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
    if not isinstance(body, dict):
        response["error"] = _describe_status(status)
        return response
    response["ok"] = bool(body.get("ok"))
    response["value"] = body.get("value")
    response["error"] = body.get("error")
    return response


def _preload(modules: list[str]) -> dict[str, float]:
    timings: dict[str, float] = {}
    for entry in modules:
        started = time.perf_counter()
        module_name, _, func_name = entry.partition(":")
        module = importlib.import_module(module_name)
        if func_name:  # "module:function" = a warm-up hook called once in the parent
            getattr(module, func_name)()
        timings[entry] = (time.perf_counter() - started) * 1000.0
    return timings


def main() -> int:
    global _protocol_fd
    config: dict[str, Any] = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    _protocol_fd = os.dup(1)
    out = os.fdopen(_protocol_fd, "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # stray prints from preloaded code go to stderr, never into the protocol
    sys.stdout = sys.stderr
    try:
        timings = _preload(list(config.get("preload", [])))
    except BaseException as exc:
        out.write(json.dumps({"ready": False, "error": _format_exception(exc)}) + "\n")
        return 1
    gc.collect()
    gc.freeze()  # preloaded objects move to a permanent generation: fewer copy-on-write faults
    out.write(json.dumps({"ready": True, "pid": os.getpid(), "preload_ms": timings}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            response = run_request(request, config)
        except Exception as exc:
            response = {
                "id": request.get("id"),
                "ok": False,
                "value": None,
                "error": "SandboxError: " + _format_exception(exc),
                "timed_out": False,
                "duration_ms": 0.0,
            }
        out.write(json.dumps(response) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
