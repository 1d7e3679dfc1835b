"""The lifecycle probe, the oracle's sandbox side: compose a real node class with mixins and run
its lifecycle.

The task functions here run inside a warm parent that has imported omnibase-core (a sandbox
worker preloaded with `app.probes.lifecycle_preload`). `run_batch` forks one child per composition,
with a timeout, so a composition that hangs, crashes or pollutes global state cannot affect others.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import select
import signal
import time
from collections.abc import Callable
from typing import Any
from uuid import uuid4

from app.probes import NODE_BASES

Payload = dict[str, Any]


def _resolve(ref: str) -> Any:
    module, _, qualname = ref.partition(":")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _field_enum_first(model: Any, field: str) -> Any:
    annotation = model.model_fields[field].annotation
    return next(iter(annotation))


def _typed_io(kind: str) -> tuple[Any, Callable[[Any], Any]]:
    """A typed input for the kind and a builder of the typed output, as a generated node has."""
    if kind == "compute":
        from omnibase_core.models.compute.model_compute_input import ModelComputeInput
        from omnibase_core.models.compute.model_compute_output import ModelComputeOutput

        def compute_out(inp: Any) -> Any:
            return ModelComputeOutput[Any](
                result=inp.data,
                operation_id=inp.operation_id,
                computation_type=inp.computation_type,
                processing_time_ms=0.0,
            )

        return ModelComputeInput[Any](data={"value": 1}), compute_out
    if kind == "effect":
        from omnibase_core.models.effect.model_effect_input import ModelEffectInput
        from omnibase_core.models.effect.model_effect_output import ModelEffectOutput

        def effect_out(inp: Any) -> Any:
            return ModelEffectOutput(
                result={"ok": True},
                operation_id=inp.operation_id,
                effect_type=inp.effect_type,
                transaction_state=_field_enum_first(ModelEffectOutput, "transaction_state"),
                processing_time_ms=0.0,
            )

        return ModelEffectInput(
            effect_type=_field_enum_first(ModelEffectInput, "effect_type")
        ), effect_out
    if kind == "reducer":
        from omnibase_core.models.reducer.model_reducer_input import ModelReducerInput
        from omnibase_core.models.reducer.model_reducer_output import ModelReducerOutput

        def reducer_out(inp: Any) -> Any:
            return ModelReducerOutput[Any](
                result=sum(inp.data),
                operation_id=inp.operation_id,
                reduction_type=inp.reduction_type,
                processing_time_ms=0.0,
                items_processed=len(inp.data),
            )

        rtype = _field_enum_first(ModelReducerInput, "reduction_type")
        return ModelReducerInput[Any](data=[1, 2, 3], reduction_type=rtype), reducer_out
    if kind == "orchestrator":
        from omnibase_core.models.orchestrator.model_orchestrator_input import (
            ModelOrchestratorInput,
        )
        from omnibase_core.models.orchestrator.model_orchestrator_output import (
            ModelOrchestratorOutput,
        )

        def orch_out(inp: Any) -> Any:
            now = "2026-01-01T00:00:00Z"
            return ModelOrchestratorOutput(
                execution_status="completed", execution_time_ms=0, start_time=now, end_time=now
            )

        return ModelOrchestratorInput(workflow_id=uuid4(), steps=[]), orch_out
    raise ValueError(f"unknown node kind {kind!r}")


def _track_inits(mixins: list[Any], ran: set[str]) -> None:
    """Record which mixins' own __init__ ran (only in the forked child: patches the classes)."""
    for m in mixins:
        orig = m.__dict__.get("__init__")
        if orig is None or not callable(orig):
            continue

        def wrapper(
            self: Any, *a: Any, __orig: Any = orig, __name: str = m.__name__, **k: Any
        ) -> Any:
            ran.add(__name)
            return __orig(self, *a, **k)

        wrapper.__wrapped__ = orig  # type: ignore[attr-defined]
        m.__init__ = wrapper


def run_composition(payload: Payload) -> Payload:
    """Build `class N(NodeK, M...)` or `class N(M..., NodeK)` and run the whole lifecycle.

    payload: {"kind", "order", "mixins": ["module:qualname", ...]}. Returns stage reached
    ("ok" when every stage passed), the error of the failing stage, and the mixins whose own
    `__init__` never ran. Mutates classes: call only in a throw-away (forked) process.
    """
    from omnibase_core.models.container.model_onex_container import ModelONEXContainer

    kind, order, refs = payload["kind"], payload["order"], payload["mixins"]
    result: Payload = {"stage": "resolve", "error": None, "uninitialised": []}
    ran: set[str] = set()
    try:
        node_base = _resolve(":".join(NODE_BASES[kind]))
        mixins = [_resolve(r) for r in refs]
        if payload.get("track_inits", True):
            _track_inits(mixins, ran)
        inp, make_out = _typed_io(kind)

        async def process(self: Any, input_data: Any) -> Any:
            return make_out(input_data)

        result["stage"] = "class"
        bases = (node_base, *mixins) if order == "node_first" else (*mixins, node_base)
        cls = type(f"NodeOracle{kind.title()}", bases, {"process": process, "__module__": __name__})
        result["stage"] = "instantiate"
        node = cls(ModelONEXContainer())

        async def lifecycle() -> None:
            result["stage"] = "initialize"
            await node.initialize()
            result["stage"] = "process"
            await node.process(inp)
            result["stage"] = "cleanup"
            await node.cleanup()

        asyncio.run(lifecycle())
        result["stage"] = "ok"
    except BaseException as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"[:600]
    result["uninitialised"] = sorted(
        m.__name__
        for m in (mixins if "mixins" in locals() else [])
        if "__init__" in m.__dict__ and m.__name__ not in ran
    )
    return result


def _child(fd: int, item: Payload) -> None:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    try:
        out = run_composition(item)
    except BaseException as exc:
        out = {"stage": "resolve", "error": f"{type(exc).__name__}: {exc}", "uninitialised": []}
    data = json.dumps(out, default=str).encode()
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
    os.close(fd)


def run_batch(payload: Payload) -> list[Payload]:
    """Run many compositions, forking one child per composition, `parallel` at a time.

    payload: {"items": [composition payload...], "timeout_s": float, "parallel": int}.
    Returns one result per item, in order, each with `duration_ms` and `timed_out`.
    """
    items: list[Payload] = payload["items"]
    warm(
        {
            "mixins": sorted({r for it in items for r in it["mixins"]}),
            "kinds": sorted({it["kind"] for it in items}),
        }
    )
    timeout_s = float(payload.get("timeout_s", 5.0))
    parallel = max(1, int(payload.get("parallel", 1)))
    results: list[Payload | None] = [None] * len(items)
    running: dict[int, tuple[int, int, float, float, bytearray]] = {}  # fd -> idx,pid,start,dl,buf
    nxt = 0
    while nxt < len(items) or running:
        while nxt < len(items) and len(running) < parallel:
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - child
                os.close(r)
                try:
                    _child(w, items[nxt])
                finally:
                    os._exit(0)
            os.close(w)
            now = time.monotonic()
            running[r] = (nxt, pid, now, now + timeout_s, bytearray())
            nxt += 1
        wait = max(0.0, min(dl for _, _, _, dl, _ in running.values()) - time.monotonic())
        ready, _, _ = select.select(list(running), [], [], wait)
        now = time.monotonic()
        for fd in list(running):
            idx, pid, start, dl, buf = running[fd]
            done = timed_out = False
            if fd in ready:
                chunk = os.read(fd, 65536)
                if chunk:
                    buf.extend(chunk)
                else:
                    done = True
            if not done and now >= dl:
                os.kill(pid, signal.SIGKILL)
                done = timed_out = True
            if not done:
                continue
            os.close(fd)
            _, status = os.waitpid(pid, 0)
            del running[fd]
            try:
                res: Payload = json.loads(bytes(buf)) if not timed_out else {}
            except ValueError:
                res = {}
            if not res:
                why = "timeout" if timed_out else f"child died (status {status})"
                res = {"stage": "crash", "error": why, "uninitialised": []}
            res["timed_out"] = timed_out
            res["duration_ms"] = round((now - start) * 1000, 2)
            results[idx] = res
    return [r for r in results if r is not None]


_WARM: set[str] = set()


def warm(payload: Payload) -> Payload:
    """Import everything a composition needs, and run a bare node of each kind once, in this
    (parent) process, so forked children start hot. Idempotent; safe to call per batch."""
    t0 = time.perf_counter()
    refs: list[str] = [r for r in payload.get("mixins", []) if r not in _WARM]
    for ref in refs:
        with contextlib.suppress(Exception):  # a broken mixin is measured, not fatal here
            _resolve(ref)
        _WARM.add(ref)
    for kind in payload.get("kinds", list(NODE_BASES)):
        if f"kind:{kind}" in _WARM:
            continue
        run_composition({"kind": kind, "order": "node_first", "mixins": [], "track_inits": False})
        _WARM.add(f"kind:{kind}")
    return {"warmed": len(_WARM), "ms": round((time.perf_counter() - t0) * 1000, 1)}
