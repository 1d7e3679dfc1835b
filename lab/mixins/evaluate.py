"""`python -m lab.mixins.evaluate`: model vs "every single works" vs the framework's own rules.

Uses the outcomes stored by `python -m lab.mixins.sweep` (Settings().database.url).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from omnibase_core.mixins.mixin_discovery import MixinDiscovery

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.mixins import repo
from app.mixins.catalog import Catalog, load_catalog
from app.mixins.learner import CompositionOutcome, Scores
from lab.mixins import say
from lab.mixins.crossval import SplitResult, held_out_pairs, leave_one_mixin_out, per_mixin_accuracy


def framework_rules() -> Callable[[tuple[str, ...]], bool]:
    disc = MixinDiscovery()
    cache: dict[tuple[str, ...], bool] = {}

    def check(mixins: tuple[str, ...]) -> bool:
        if mixins not in cache:
            cache[mixins] = bool(disc.validate_composition(list(mixins))[0])
        return cache[mixins]

    return check


def table(title: str, res: SplitResult) -> None:
    say(f"\n{title}: {len(res.y)} rows, {int(res.y.sum())} compatible")
    say(f"{'predictor':<30}{'accuracy':>9}{'precision':>10}{'recall':>8}{'brier':>8}{'logloss':>9}")
    for name, p in res.preds.items():
        s = Scores.of(res.y, p)
        say(
            f"{name:<30}{s.accuracy:>9.4f}{s.precision:>10.4f}{s.recall:>8.4f}"
            f"{s.brier:>8.4f}{s.log_loss:>9.4f}"
        )


def explain(catalog: Catalog, name: str, errors: dict[str, str]) -> str:
    d = catalog.mixins[name].data
    facts = [
        f"{k}={d[k]}"
        for k in (
            "abstract_methods",
            "ro_property_collisions",
            "signature_collisions",
            "init_is_protocol_noop",
            "init_positional",
            "init_super_args",
        )
        if d.get(k)
    ]
    err = errors.get(name, "")
    return f"static facts: {', '.join(facts) or '-'}; measured single error: {err[:160] or '-'}"


async def load(
    settings: Settings, catalog: Catalog
) -> tuple[list[CompositionOutcome], dict[str, str]]:
    engine = create_engine(settings.database)
    try:
        sessionmaker = create_sessionmaker(engine)
        # a fresh database is seeded from the checked-in baseline, as the service does at startup
        baseline = settings.mixins.baseline_path
        await repo.seeded_measured(sessionmaker, baseline, catalog.framework_version)
        async with sessionmaker() as session:
            rows = await repo.outcomes(session, catalog.framework_version)
    finally:
        await engine.dispose()
    errors: dict[str, str] = {}
    for o, r in rows:
        if (len(o.mixins) == 1 and r.last_error and o.order == "node_first") or (
            len(o.mixins) == 1 and r.last_error
        ):
            errors.setdefault(o.mixins[0], r.last_error)
    data = [o for o, _ in rows if len(o.mixins) <= 2 and all(m in catalog.mixins for m in o.mixins)]
    return data, errors


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--worst", type=int, default=5)
    args = ap.parse_args(argv)
    settings = Settings()
    catalog = load_catalog(Path(settings.mixins.model_path))
    data, errors = asyncio.run(load(settings, catalog))
    if not data:
        raise SystemExit("no outcomes stored: run `python -m lab.mixins.sweep` first")
    fw = framework_rules()
    say(f"omnibase-core {catalog.framework_version}: {len(data)} measured outcomes")
    t0 = time.perf_counter()
    pairs = held_out_pairs(catalog, data, fw)
    table(f"(a) held-out pairs, grouped 5-fold ({time.perf_counter() - t0:.1f} s)", pairs)
    t0 = time.perf_counter()
    lomo = leave_one_mixin_out(catalog, data, fw)
    table(
        f"(b) leave-one-mixin-out, {len(catalog.mixins)} folds ({time.perf_counter() - t0:.1f} s)",
        lomo,
    )
    say(
        "\nmodel: the held-out mixin never measured (its singles masked);"
        "\nmodel_single_measured: its singles given (pairs still unseen);"
        "\nservice_static_rules+model: exact static rules, then the model (the unmeasured path);"
        "\nrule_all_singles: always uses measured singles; framework = validate_composition."
    )
    acc = per_mixin_accuracy(lomo, "model", catalog.names())
    svc = per_mixin_accuracy(lomo, "service_static_rules+model", catalog.names())
    seen = per_mixin_accuracy(lomo, "model_single_measured", catalog.names())
    say("\nLOMO accuracy per mixin (model / +static rules / single measured), worst first:")
    for name, a in sorted(acc.items(), key=lambda kv: (kv[1], kv[0])):
        say(f"  {name:<38}{a:>8.4f}{svc[name]:>8.4f}{seen[name]:>8.4f}")
    say("\nworst explained:")
    for name, a in sorted(acc.items(), key=lambda kv: kv[1])[: args.worst]:
        if a >= 1.0:
            break
        say(f"- {name} ({a:.4f}): {explain(catalog, name, errors)}")
    say(f"\nmean per-mixin LOMO accuracy (model): {np.mean(list(acc.values())):.4f}")


if __name__ == "__main__":
    main()
