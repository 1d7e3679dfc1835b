"""The forked sandbox processes: an outer child that makes the namespaces, an inner one that runs.

`app.sandbox.forked.ForkedChild` forks and runs `child_main` (the outer child). It becomes its
own process-group leader, closes every fd it inherited but its pipes, enters new namespaces
(`app.sandbox.isolation.enter_namespaces`), forks the inner child (PID 1 of the new PID
namespace), reports the inner child's pid to the warm parent and mirrors its exit status.

The inner child builds its filesystem view, waits for its one request, exposes the request's
folder, drops every privilege, sets hard and soft rlimits, runs `module:function(payload)`,
writes one JSON answer (its length first), stops every process it left behind, then waits
until its parent kills it. Being PID 1 of its namespace, its death kills all of them: a task
that forks, `setsid()`s or ignores signals cannot outlive it. If any isolation step fails the
task is refused, never run. `isolation: "none"` (only when the operator allowed it) skips the
namespaces and keeps the rest.

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

from app.sandbox.isolation import (
    IsolationError,
    Policy,
    die_with_parent,
    drop_privileges,
    enter_namespaces,
    expose,
    mount_proc,
    prepare_view,
)

MAX_RESULT_BYTES = 32 * 1024 * 1024
HEADER_BYTES = 8  # the answer's length goes first: a process the task left behind may hold
# the pipe open, so the parent cannot wait for EOF
TRACEBACK_TAIL_LINES = 8
CHILD_GC_THRESHOLD = 100_000  # allocations between young-generation collections (default 700)
REFUSED = "SandboxError: refused to run the task: "
_SAFE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp"}


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


def _limit(kind: int, soft: int, hard: int | None = None) -> None:
    """Set soft AND hard limits (never above the current hard one): no raising them back."""
    _, current = resource.getrlimit(kind)
    hard = soft if hard is None else hard
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(kind, (soft, hard))


def _read_all(fd: int) -> bytes:
    chunks: list[bytes] = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _close_inherited(*keep: int) -> None:
    """Close every fd above stderr but ours: the warm parent's protocol and its channels to
    other children (a pending request pipe held open here would never reach EOF)."""
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, resource.getrlimit(resource.RLIMIT_NOFILE)[0])


def _set_limits(config: dict[str, Any], timeout_s: float) -> None:
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = math.ceil(used.ru_utime + used.ru_stime) + max(1, math.ceil(timeout_s)) + 1
    limits = config.get("limits", {})
    _limit(resource.RLIMIT_CPU, cpu, cpu + 1)  # SIGXCPU first, SIGKILL a second later
    _limit(resource.RLIMIT_FSIZE, int(limits.get("max_file_size_mb", 64)) * 1024 * 1024)
    _limit(resource.RLIMIT_NOFILE, int(limits.get("max_open_files", 256)))
    _limit(resource.RLIMIT_NPROC, int(limits.get("max_processes", 64)))
    _limit(resource.RLIMIT_CORE, 0)
    memory_mb = int(config.get("memory_limit_mb") or 0)
    if memory_mb > 0:
        _limit(resource.RLIMIT_AS, memory_mb * 1024 * 1024)


def _enter_sandbox(config: dict[str, Any], request: dict[str, Any], keep: int) -> None:
    """Everything between the request and the task; raises IsolationError/OSError to refuse."""
    policy = Policy.from_config(config.get("policy", {}))
    cwd = request.get("cwd")
    if keep >= 0:
        if cwd:
            expose(keep, cwd)
        os.close(keep)
    drop_privileges(policy)
    _set_limits(config, float(request["timeout_s"]))
    os.environ.clear()  # the service's settings (database URL, keys) stay outside
    os.environ.update(_SAFE_ENV)
    if "tempfile" in sys.modules:  # it may have cached the service's temporary directory
        setattr(sys.modules["tempfile"], "tempdir", None)  # noqa: B010
    if cwd:
        os.chdir(cwd)
        return
    try:  # the same folder, looked up through the view: never the real one behind a mask
        os.chdir(os.getcwd())
    except OSError:
        os.chdir("/")


def _answer(write_fd: int, body: dict[str, Any]) -> None:
    data = json.dumps(body, allow_nan=False).encode()
    if len(data) > MAX_RESULT_BYTES:
        data = json.dumps(
            {"ok": False, "error": f"ResultTooLarge: {len(data)} bytes > {MAX_RESULT_BYTES}"}
        ).encode()
    _write_all(write_fd, len(data).to_bytes(HEADER_BYTES, "big") + data)
    os.close(write_fd)  # EOF now: the parent answers at once


def _wait_for_teardown() -> None:
    """Stop what the task left behind and wait, idle, to be killed: tearing down a copy of the
    warm heap costs milliseconds of CPU, which the parent spends once no check is running."""
    if os.getpid() == 1:  # PID 1 of our namespace: -1 is every other process in it
        with contextlib.suppress(OSError):
            os.kill(-1, signal.SIGSTOP)
    else:
        os.kill(os.getpid(), signal.SIGSTOP)
    while True:  # PID 1 ignores its own SIGSTOP; the warm parent's stops it
        signal.pause()


def _inner_main(config: dict[str, Any], request_fd: int, write_fd: int, keep: int) -> None:
    """The inner child: /proc, request, privileges and limits, the task, the answer."""
    code = 0
    try:
        gc.set_threshold(CHILD_GC_THRESHOLD)  # see the module docstring
        die_with_parent()
        sys.dont_write_bytecode = True
        setup_error = ""
        if keep >= 0:
            try:
                mount_proc()
            except (IsolationError, OSError) as exc:
                setup_error = str(exc)
        raw = _read_all(request_fd)  # EOF without a request: the spare was discarded
        os.close(request_fd)
        if not raw:
            return
        request = json.loads(raw)
        try:
            if setup_error:
                raise IsolationError(setup_error)
            _enter_sandbox(config, request, keep)
        except (IsolationError, OSError) as exc:
            _answer(write_fd, {"ok": False, "error": REFUSED + str(exc), "refused": True})
            return
        me = os.getpid()
        try:
            value = _resolve(request["task"])(request["payload"])
            body = {"ok": True, "value": value}
            json.dumps(body, allow_nan=False)
        except BaseException as exc:
            body = {"ok": False, "error": format_exception(exc)}
        if os.getpid() != me:  # a fork made by the task came back here: it has no say
            os._exit(0)
        _answer(write_fd, body)
        _wait_for_teardown()
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def _mirror(status: int) -> None:
    """Exit as the inner child did, so the warm parent's report names the real cause."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        with contextlib.suppress(OSError, ValueError):
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
        os._exit(128 + sig)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 70)


def child_main(config: dict[str, Any], request_fd: int, write_fd: int, info_fd: int) -> None:
    """Body of the outer child (see the module docstring). Never returns."""
    code = 0
    try:
        os.setpgid(0, 0)
        _close_inherited(request_fd, write_fd, info_fd)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
        die_with_parent()
        keep = -1  # the real tree, held here until the inner child is gone (see isolation)
        if config.get("isolation") == "namespaces":
            try:
                enter_namespaces()
                keep = prepare_view(Policy.from_config(config.get("policy", {})))
            except (IsolationError, OSError) as exc:
                _write_all(info_fd, json.dumps({"error": str(exc)}).encode())
                return
        pid = os.fork()
        if pid == 0:
            os.close(info_fd)
            _inner_main(config, request_fd, write_fd, keep)
        os.close(request_fd)
        os.close(write_fd)
        _write_all(info_fd, json.dumps({"pid": pid}).encode())
        os.close(info_fd)
        _, status = os.waitpid(pid, 0)
        _mirror(status)
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def probe(config: dict[str, Any]) -> str | None:
    """Rehearse every isolation step in a throwaway pair of processes: None if all work, else
    why not. The warm parent runs this once at startup to decide whether it may run tasks."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read_fd)
        error = ""
        try:
            enter_namespaces()
            os.close(prepare_view(Policy.from_config(config.get("policy", {}))))
            inner = os.fork()
            if inner == 0:
                try:
                    mount_proc()
                    drop_privileges(Policy.from_config(config.get("policy", {})))
                except BaseException as exc:
                    _write_all(write_fd, str(exc).encode() or b"failed")
                    os._exit(1)
                os._exit(0)
            _, status = os.waitpid(inner, 0)
            if status and not os.WIFEXITED(status):
                error = f"probe died: status {status}"
        except BaseException as exc:
            error = str(exc) or type(exc).__name__
        if error:
            _write_all(write_fd, error.encode())
        os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    os.waitpid(pid, 0)
    return text or None
