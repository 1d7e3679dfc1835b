"""Predict latency: p50/p95/p99 for one query and a 1,000-item batch, in-process and over HTTP.

Two paths are timed: `measured` (the composition's own outcome is stored: a lookup) and `model`
(only singles measured, so every pair goes through static rules + LightGBM). Needs a sweep first.
Usage: python scripts/bench_mixins.py [--app app.main:create_app] [--n 300]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.mixins.catalog import KINDS, ORDERS, Query, load_catalog
from app.mixins.learner import load
from app.mixins.predictor import Predictor
from app.mixins.repo import load_measured
from lab.mixins import say


def pct(samples: list[float]) -> str:
    a = np.asarray(samples) * 1000
    p50, p95, p99 = (np.percentile(a, q) for q in (50, 95, 99))
    return f"p50 {p50:7.3f}  p95 {p95:7.3f}  p99 {p99:7.3f} ms"


def timeit(fn: Callable[[], object], n: int) -> list[float]:
    fn()
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def queries(names: list[str], rng: random.Random, k: int) -> list[Query]:
    pairs = list(itertools.combinations(sorted(names), 2))
    return [(rng.choice(KINDS), rng.choice(ORDERS), rng.choice(pairs)) for _ in range(k)]


async def in_process(n: int, freeze: bool) -> None:
    settings = Settings()
    catalog = load_catalog(Path(settings.mixins.model_path))
    art = load(Path(settings.mixins.model_path))
    if art is None:
        raise SystemExit("no model: run `make mixin-sweep` first")
    engine = create_engine(settings.database)
    async with create_sessionmaker(engine)() as session:
        measured = await load_measured(session, catalog.framework_version)
    await engine.dispose()
    singles = {k: v for k, v in measured.items() if "+" not in k}
    rng = random.Random(1)
    predictors = [
        ("measured", Predictor(catalog, art, measured)),
        ("model", Predictor(catalog, art, singles)),
    ]
    if (
        freeze
    ):  # what the service does at the end of startup (see app.main and lab.mixins.standalone)
        gc.collect()
        gc.freeze()
    for label, pred in predictors:
        bench_predictor(label, pred, catalog.names(), rng, n)


def bench_predictor(
    label: str, pred: Predictor, names: list[str], rng: random.Random, n: int
) -> None:
    cold = Predictor(pred.catalog, pred.artifact, pred.measured)
    t = time.perf_counter()
    cold.predict_many(queries(names, rng, 1000))
    cold_ms = (time.perf_counter() - t) * 1000
    say(f"in-process {label:<9} batch 1000 cold (empty caches): {cold_ms:.1f} ms")
    one = itertools.cycle(queries(names, rng, n))
    single = timeit(lambda: pred.predict_many([next(one)]), n)
    say(f"in-process {label:<9} single      {pct(single)}")
    batches = [queries(names, rng, 1000) for _ in range(20)]
    cycle = itertools.cycle(batches)
    batch = timeit(lambda: pred.predict_many(next(cycle)), max(50, n // 5))
    say(f"in-process {label:<9} batch 1000  {pct(batch)}")
    if label == "model":
        sources = {p.source for p in pred.predict_many(batches[0])}
        say(f"  sources in a model-path batch: {sorted(sources)}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def over_http(factory: str, n: int) -> None:
    port = free_port()
    env = dict(os.environ)
    proc = subprocess.Popen(  # noqa: ASYNC220 - started once, before any timing
        [sys.executable, "-m", "uvicorn", "--factory", factory, "--port", str(port),
         "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            for _ in range(600):
                if proc.poll() is not None:
                    say(f"http {factory}: the server exited during start-up; skipped")
                    return
                try:
                    if (await client.get("/mixins/model")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            names = [m["name"] for m in (await client.get("/mixins")).json()["mixins"]]
            rng = random.Random(2)
            one = [
                {"node_kind": k, "order": o, "mixins": list(m)}
                for k, o, m in queries(names, rng, n)
            ]
            lat = []
            for body in one:
                t = time.perf_counter()
                r = await client.post("/mixins/predict", json=body)
                lat.append(time.perf_counter() - t)
                assert r.status_code == 200, r.text
            say(f"http {factory} single     {pct(lat[5:])}")
            lat = []
            for _ in range(max(30, n // 10)):
                batch = {"items": [{"node_kind": k, "order": o, "mixins": list(m)}
                                   for k, o, m in queries(names, rng, 1000)]}  # fmt: skip
                t = time.perf_counter()
                r = await client.post("/mixins/predict", json=batch)
                lat.append(time.perf_counter() - t)
                assert r.status_code == 200, r.text
            say(f"http {factory} batch 1000 {pct(lat[2:])}")
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--app", default="app.main:create_app")
    ap.add_argument("--no-http", action="store_true")
    ap.add_argument("--no-freeze", action="store_true", help="skip gc.freeze() after setup")
    args = ap.parse_args()
    say(f"gc.freeze() after setup: {not args.no_freeze}")
    asyncio.run(in_process(args.n, not args.no_freeze))
    if not args.no_http:
        asyncio.run(over_http(args.app, min(args.n, 1000)))


if __name__ == "__main__":
    main()
