"""Warm sandbox parent: `python -m app.sandbox.worker CONFIG_JSON`.

The process imports the `preload` modules once, then serves requests read as JSON lines on
stdin. Every request runs in a *forked* child, so each task starts from the same warm,
already-imported state and can never leak into the next one. The child is forked *ahead* of
its request (one spare per parent, never reused), so the fork and the sandbox set-up are
off the request's critical path. The child:

* becomes its own process-group leader (the parent kills the whole group on timeout),
* sets RLIMIT_AS / RLIMIT_FSIZE / RLIMIT_NOFILE and best-effort moves into a fresh network
  namespace (no interfaces but a downed loopback), then waits for its one request on a pipe,
* sets RLIMIT_CPU for that request, chdirs to the requested directory, imports and calls
  `module:function(payload)`,
* writes one JSON document to a pipe, closes it (the answer goes out while the child is
  still tearing down) and leaves with `os._exit`.

Children run the cyclic GC rarely (a high generation-0 threshold): they are short-lived
and memory-capped, and every pass would walk objects copied from the warm heap.

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
from collections.abc import Callable
from typing import Any, TextIO

MAX_RESULT_BYTES = 32 * 1024 * 1024
FSIZE_LIMIT_BYTES = 64 * 1024 * 1024
NOFILE_LIMIT = 256
TRACEBACK_TAIL_LINES = 8
CHILD_GC_THRESHOLD = 100_000  # allocations between young-generation collections (default 700)

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
            body = json.dumps({"ok": False, "error": _format_exception(exc)})
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


class _Child:
    """A forked child waiting for (or running) its one request, seen from the parent."""

    def __init__(self, config: dict[str, Any], inherited: tuple[int, ...] = ()) -> None:
        """Fork; `inherited` are the parent's fds of other children, closed in this one."""
        request_r, self.request_w = os.pipe()
        self.result_r, result_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            for fd in (self.request_w, self.result_r, *inherited):
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
            _kill_group(self.pid)
        for fd in self.fds:
            os.close(fd)
        self.request_w = self.result_r = self.pidfd = -1

    def reap(self) -> int:
        """Wait for the child to exit (and release it); returns the wait status."""
        if self.status is None:
            try:
                _, self.status = os.waitpid(self.pid, 0)
            finally:
                _kill_group(self.pid)  # stray grandchildren of the task
                self.release()
        return self.status

    def discard(self) -> None:
        """Drop a child whatever its state (an unused spare also exits on its pipe's EOF)."""
        self.release()
        self.reap()


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


def run_request(
    request: dict[str, Any],
    config: dict[str, Any],
    child: _Child | None = None,
    on_started: Callable[[_Child], None] | None = None,
) -> tuple[dict[str, Any], _Child]:
    """Run one task in `child` (or a fresh fork), enforcing the wall timeout.

    `on_started(child)` runs once the child has its request (the parent's own chores go
    there, concurrent with the task). Always returns a response dict, plus the child for the
    caller to `release()` and later `reap()` (it may still be tearing down).
    """
    started = time.perf_counter()
    timeout_s = float(request["timeout_s"])
    if child is None or not child.send(request):
        if child is not None:  # the spare died while idle: fork a fresh one
            child.reap()
        child = _Child(config)
        child.send(request)
    if on_started is not None:
        on_started(child)
    chunks: list[bytes] = []
    size = 0
    timed_out = False
    exited = False
    deadline = started + timeout_s
    read_fd = child.result_r
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            timed_out = True
            break
        readable, _, _ = select.select([read_fd, child.pidfd], [], [], remaining)
        if read_fd in readable:
            chunk = os.read(read_fd, 1 << 16)
            if chunk:
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_RESULT_BYTES + 1024:
                    break
                continue
            # EOF: the child closed the pipe (after its answer, or by exiting).
            break
        if child.pidfd in readable:
            exited = True
            break
    if exited:  # drain what the child wrote before it died
        os.set_blocking(read_fd, False)
        with contextlib.suppress(BlockingIOError):
            while chunk := os.read(read_fd, 1 << 16):
                chunks.append(chunk)
    if timed_out:
        _kill_group(child.pid)
    response: dict[str, Any] = {
        "id": request.get("id"),
        "ok": False,
        "value": None,
        "error": None,
        "timed_out": timed_out,
        "duration_ms": 0.0,
    }
    if timed_out:
        response["error"] = f"TimeoutError: task exceeded {timeout_s:g}s wall time and was killed"
    else:
        raw = b"".join(chunks)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        if isinstance(body, dict):
            response["ok"] = bool(body.get("ok"))
            response["value"] = body.get("value")
            response["error"] = body.get("error")
        else:  # no answer: the exit status says why
            response["error"] = _describe_status(child.reap())
    response["duration_ms"] = (time.perf_counter() - started) * 1000.0
    return response, child


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
    _serve(config, out)
    return 0


def _serve(config: dict[str, Any], out: TextIO) -> None:
    """Answer requests from stdin, always keeping the next request's child forked ahead."""
    spare: _Child | None = _Child(config)
    finished: _Child | None = None

    def chores(running: _Child) -> None:  # while `running` works on its request
        nonlocal spare, finished
        if finished is not None:
            finished.reap()
            finished = None
        spare = _Child(config, inherited=running.fds)

    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            request = json.loads(line)
            child, spare = spare, None
            try:
                response, child = run_request(request, config, child, chores)
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
            if child is not None:
                child.release()
                if finished is not None:
                    finished.reap()
                finished = child
            if spare is None:
                spare = _Child(config)
    finally:
        for leftover in (spare, finished):
            if leftover is not None:
                leftover.discard()


if __name__ == "__main__":
    sys.exit(main())
