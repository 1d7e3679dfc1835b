"""`python -m lab.mixins.sweep`: measure all singles and pairs × 4 kinds × 2 orders, store, train.

Options: --mixins A,B,... (subset), --kinds, --orders, --workers N, --no-train.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from collections import Counter
from pathlib import Path
from typing import Any

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.mixins import repo
from app.mixins.advisor import observations_from
from app.mixins.catalog import KINDS, ORDERS, Catalog, Query, load_catalog
from app.mixins.learner import save, train_artifact
from app.probes.oracle import Measured, Oracle, start_pool
from lab.mixins import baseline, say


def all_queries(names: list[str], kinds: list[str], orders: list[str]) -> list[Query]:
    sets = [(n,) for n in names] + list(itertools.combinations(sorted(names), 2))
    return [(k, o, s) for k in kinds for o in orders for s in sets]


async def measure_all(
    catalog: Catalog, queries: list[Query], workers: int, timeout_s: float
) -> list[Measured]:
    pool = await start_pool(workers=workers)
    try:
        refs = {name: p.ref for name, p in catalog.mixins.items()}
        chunk = max(50, len(queries) // (workers * 4) + 1)
        oracle = Oracle(refs, pool, timeout_s=timeout_s, chunk=chunk)
        return await oracle.measure(queries, use_cache=False)
    finally:
        await pool.close()


def report(measured: list[Measured], seconds: float) -> None:
    say(
        f"measured {len(measured)} compositions in {seconds:.1f} s "
        f"({1000 * seconds / max(1, len(measured)):.1f} ms each, wall)"
    )
    by: Counter[tuple[str, str, int, bool]] = Counter(
        (m.kind, m.order, len(m.mixins), m.ok) for m in measured
    )
    say(f"{'kind':<13}{'order':<14}{'size':>5}{'n':>6}{'pass':>6}{'rate':>8}")
    for kind, order, size in sorted({(k, o, s) for k, o, s, _ in by}):
        ok, bad = by[(kind, order, size, True)], by[(kind, order, size, False)]
        say(f"{kind:<13}{order:<14}{size:>5}{ok + bad:>6}{ok:>6}{ok / max(1, ok + bad):>8.1%}")
    stages = Counter(m.stage for m in measured)
    say("stage reached:", dict(stages.most_common()))
    crashes = [m for m in measured if m.stage == "crash"]
    if crashes:
        say(f"{len(crashes)} crashed/timed out, e.g. {crashes[0].error}")


async def sweep(
    catalog: Catalog, names: list[str], args: argparse.Namespace, settings: Settings, engine: Any
) -> None:
    queries = all_queries(names, args.kinds.split(","), args.orders.split(","))
    t1 = time.perf_counter()
    measured = await measure_all(catalog, queries, args.workers, settings.mixins.oracle_timeout_s)
    report(measured, time.perf_counter() - t1)
    async with create_sessionmaker(engine)() as session, session.begin():
        good = [m for m in measured if m.stage != "crash" or "timeout" in (m.error or "")]
        await repo.record(
            session,
            observations_from(good),
            framework_version=catalog.framework_version,
            source="oracle",
        )
    say(f"stored {len(good)} outcomes in {settings.database.url.split('@')[-1]}")


async def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mixins", default="")
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--orders", default=",".join(ORDERS))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-train", action="store_true")
    ap.add_argument("--refresh-catalog", action="store_true")
    ap.add_argument("--train-only", action="store_true", help="retrain on stored outcomes only")
    ap.add_argument(
        "--publish",
        action="store_true",
        help="also replace the checked-in baseline (catalog, model, outcomes) with this run's",
    )
    args = ap.parse_args(argv)
    settings = Settings()
    t0 = time.perf_counter()
    catalog = await asyncio.to_thread(
        load_catalog, Path(settings.mixins.model_path), refresh=args.refresh_catalog
    )
    names = [n for n in args.mixins.split(",") if n] or catalog.names()
    if unknown := catalog.unknown(names):
        raise SystemExit(f"unknown mixins: {unknown}")
    say(
        f"omnibase-core {catalog.framework_version}: {len(catalog.mixins)} mixins discovered "
        f"({time.perf_counter() - t0:.1f} s)"
    )
    engine = create_engine(settings.database)
    try:
        if not args.train_only:
            await sweep(catalog, names, args, settings, engine)
        if not args.no_train:
            async with create_sessionmaker(engine)() as session:
                rows = await repo.outcomes(session, catalog.framework_version)
            data = [o for o, _ in rows]
            art = await asyncio.to_thread(train_artifact, catalog, data)
            path = save(art, Path(settings.mixins.model_path))
            say(
                f"trained model {art.version} on {len(data)} outcomes in "
                f"{art.meta['train_seconds']} s -> {path}"
            )
            if args.publish:
                published = baseline.publish(
                    Path(settings.mixins.baseline_path),
                    catalog,
                    art,
                    [(o, r.last_stage, r.last_error) for o, r in rows],
                )
                say(f"published the baseline to {published}")
    finally:
        await engine.dispose()
    say(f"total wall time {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
