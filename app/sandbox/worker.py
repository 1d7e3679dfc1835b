"""Warm sandbox parent: `python -m app.sandbox.worker CONFIG_JSON`.

The process imports the `preload` modules once, then serves requests read as JSON lines on
stdin. Every request runs in a *forked* child, so each task starts from the same warm,
already-imported state and can never leak into the next one. The child is forked *ahead* of
its request (one spare per parent, never reused) while the pool is quiet, so the fork and the
sandbox set-up are off the request's critical path. The child:

* enters new namespaces and forks the inner child, PID 1 of a new PID namespace with a
  read-only view of the filesystem, no network and private scratch (see `app.sandbox.child`
  and `app.sandbox.isolation`), which waits for its one request on a pipe,
* drops to the sandbox uid with no capabilities and hard rlimits, chdirs to the requested
  directory, imports and calls `module:function(payload)`,
* writes one JSON document (its length first) to a pipe, closes it and stops everything it
  started; the parent kills it (and with it its namespace) once the pool is quiet, or when the
  next answer comes first.

At startup the parent rehearses the isolation once (`app.sandbox.child.probe`). When it
fails, every request is refused (`isolation: "refused"`), unless the operator allowed
unisolated runs (`allow_unisolated`), and the hello line says which.

Responses go back on the *original* stdout as JSON lines; file descriptor 1 is pointed at
stderr at startup so a stray `print()` in a preloaded module cannot corrupt the protocol.

The child's body lives in `app.sandbox.child`, the parent's handle on it in `app.sandbox.forked`.

Standard library only: this module must stay importable by any interpreter the pool is
pointed at, and cheap to start.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import sys
import time
from typing import Any, TextIO

from app.sandbox.child import REFUSED, format_exception, probe
from app.sandbox.forked import ForkedChild, describe_status


def run_request(
    request: dict[str, Any], config: dict[str, Any], child: ForkedChild | None = None
) -> tuple[dict[str, Any], ForkedChild]:
    """Run one task in `child` (or a fresh fork), enforcing the wall timeout.

    Always returns a response dict, plus the child for the caller to `freeze()` and later
    `discard()`.
    """
    started = time.perf_counter()
    timeout_s = float(request["timeout_s"])
    if child is not None and child.setup_error is None and not child.send(request):
        child.reap()  # the spare died while idle: fork a fresh one
        child = None
    if child is None:
        child = ForkedChild(config)
        if child.setup_error is None:
            child.send(request)
    response: dict[str, Any] = {
        "id": request.get("id"),
        "ok": False,
        "value": None,
        "error": None,
        "timed_out": False,
        "duration_ms": 0.0,
    }
    if child.setup_error is not None:
        response["error"] = REFUSED + child.setup_error
        response["refused"] = True
        return response, child
    raw, timed_out = child.receive(time.monotonic() + timeout_s)
    response["timed_out"] = timed_out
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
    if timed_out:
        response["error"] = f"TimeoutError: task exceeded {timeout_s:g}s wall time and was killed"
    elif isinstance(body, dict):
        response["ok"] = bool(body.get("ok"))
        response["value"] = body.get("value")
        response["error"] = body.get("error")
        response["refused"] = bool(body.get("refused"))
    else:  # no answer: the exit status says why
        response["error"] = describe_status(child.reap())
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
    config: dict[str, Any] = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    protocol_fd = os.dup(1)
    out = os.fdopen(protocol_fd, "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # stray prints from preloaded code go to stderr, never into the protocol
    sys.stdout = sys.stderr
    try:
        timings = _preload(list(config.get("preload", [])))
    except BaseException as exc:
        out.write(json.dumps({"ready": False, "error": format_exception(exc)}) + "\n")
        return 1
    gc.collect()
    gc.freeze()  # preloaded objects move to a permanent generation: fewer copy-on-write faults
    failure = probe(config)
    if failure is None:
        config["isolation"] = "namespaces"
    else:
        config["isolation"] = "none" if config.get("allow_unisolated") else "refused"
    hello = {
        "ready": True,
        "pid": os.getpid(),
        "preload_ms": timings,
        "isolation": config["isolation"],
        "isolation_error": failure,
    }
    out.write(json.dumps(hello) + "\n")
    _serve(config, out)
    return 0


def _refusal(request: dict[str, Any], why: str) -> dict[str, Any]:
    return {
        "id": request.get("id"),
        "ok": False,
        "value": None,
        "error": REFUSED + why,
        "timed_out": False,
        "refused": True,
        "duration_ms": 0.0,
    }


def _serve(config: dict[str, Any], out: TextIO) -> None:
    """Answer requests from stdin; process chores wait for a `{"op": "quiet"}` line.

    Forking the next child and tearing down the last one cost milliseconds of CPU each. The
    pool says when none of its checks is running, and only then does this parent do them, so
    they never compete with the checks of a generation running on the other cores. A request
    that finds no spare forks its child on the spot; at most one answered child waits,
    stopped, for its teardown.
    """
    refused = config["isolation"] == "refused"
    spare: ForkedChild | None = None if refused else ForkedChild(config)
    answered: ForkedChild | None = None
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            request = json.loads(line)
            if refused:  # isolation failed at startup and unisolated runs are not allowed
                if request.get("op") != "quiet":
                    why = "sandbox isolation is unavailable (verification.allow_unisolated is off)"
                    out.write(json.dumps(_refusal(request, why)) + "\n")
                continue
            if request.get("op") == "quiet":
                if answered is not None:
                    answered.discard()
                    answered = None
                if spare is None:
                    spare = ForkedChild(config)
                continue
            child, spare = spare, None
            try:
                response, child = run_request(request, config, child)
            except Exception as exc:
                response = {
                    "id": request.get("id"),
                    "ok": False,
                    "value": None,
                    "error": "SandboxError: " + format_exception(exc),
                    "timed_out": False,
                    "duration_ms": 0.0,
                }
            out.write(json.dumps(response) + "\n")
            if child is not None:
                child.freeze()  # stray grandchildren stop now, whatever the teardown waits for
                if answered is not None:
                    answered.discard()
                answered = child
    finally:
        for leftover in (spare, answered):
            if leftover is not None:
                leftover.discard()


if __name__ == "__main__":
    sys.exit(main())
