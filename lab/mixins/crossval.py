"""Evaluation of three predictors on the same measured data: model, single-rule, framework rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from app.mixins.catalog import Catalog
from app.mixins.features import FeatureBuilder, SinglesTable
from app.mixins.model import Outcome, fit, singles_from
from app.mixins.predictor import Predictor

EPS = 1e-3
Framework = Callable[[tuple[str, ...]], bool]


@dataclass
class Scores:
    n: int
    accuracy: float
    precision: float
    recall: float
    brier: float
    log_loss: float

    @classmethod
    def of(cls, y: npt.NDArray[np.float64], p: npt.NDArray[np.float64]) -> Scores:
        pred = p >= 0.5
        truth = y >= 0.5
        tp = float(np.sum(pred & truth))
        pc = np.clip(p, EPS, 1 - EPS)
        return cls(
            n=len(y),
            accuracy=float(np.mean(pred == truth)),
            precision=tp / max(1.0, float(np.sum(pred))),
            recall=tp / max(1.0, float(np.sum(truth))),
            brier=float(np.mean((p - y) ** 2)),
            log_loss=float(-np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc))),
        )


def with_static_rules(
    catalog: Catalog, rows: list[Outcome], p: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """The service's unmeasured path: exact static rules first, the model otherwise."""
    pred = Predictor(catalog, None, {})
    rule = np.asarray([pred.static_failure((o.kind, o.order, o.mixins)) is not None for o in rows])
    return np.where(rule, 0.0, p)


def rule_prob(o: Outcome, singles: SinglesTable) -> float:
    """'A set works iff every single works', from measured singles (NaN-free: unknown = works)."""
    return float(all(singles.rates.get((o.kind, o.order, m), 1.0) >= 0.5 for m in o.mixins))


@dataclass
class SplitResult:
    y: npt.NDArray[np.float64]
    preds: dict[str, npt.NDArray[np.float64]]
    rows: list[Outcome]
    groups: list[str]


def _predict(
    builder: FeatureBuilder,
    model: object,
    rows: list[Outcome],
    singles: SinglesTable,
    mask: Callable[[Outcome], tuple[bool, bool]],
) -> npt.NDArray[np.float64]:
    X = builder.rows(
        [(o.kind, o.order, o.mixins) for o in rows],
        singles,
        {i: mask(o) for i, o in enumerate(rows)},
    )
    return np.asarray(model.predict(X), dtype=np.float64)  # type: ignore[attr-defined]


def held_out_pairs(
    catalog: Catalog, outcomes: list[Outcome], framework: Framework, folds: int = 5, seed: int = 0
) -> SplitResult:
    """Grouped K-fold over pair keys: a pair (all kinds, orders) is in train or test, not both."""
    builder = FeatureBuilder(catalog)
    singles = singles_from(outcomes)
    pairs = sorted({o.mixins for o in outcomes if len(o.mixins) == 2})
    rng = np.random.default_rng(seed)
    fold_of: dict[tuple[str, ...], int] = {
        p: int(f) for p, f in zip(pairs, rng.permutation(len(pairs)) % folds, strict=True)
    }
    rows: list[Outcome] = []
    model_p: list[npt.NDArray[np.float64]] = []
    for f in range(folds):
        train = [o for o in outcomes if len(o.mixins) == 1 or fold_of[o.mixins] != f]
        test = [o for o in outcomes if len(o.mixins) == 2 and fold_of[o.mixins] == f]
        booster = fit(builder, train, singles)
        model_p.append(_predict(builder, booster, test, singles, lambda o: (False, False)))
        rows += test
    y = np.asarray([o.label for o in rows], dtype=np.float64)
    preds = {
        "model": np.concatenate(model_p),
        "service_static_rules+model": with_static_rules(catalog, rows, np.concatenate(model_p)),
        "rule_all_singles": np.asarray([rule_prob(o, singles) for o in rows]),
        "framework_validate_composition": np.asarray([float(framework(o.mixins)) for o in rows]),
    }
    return SplitResult(y, preds, rows, ["+".join(o.mixins) for o in rows])


def leave_one_mixin_out(
    catalog: Catalog, outcomes: list[Outcome], framework: Framework, only: list[str] | None = None
) -> SplitResult:
    """Per mixin M: train without any outcome containing M (its singles too); test on every outcome
    containing M. `model` never sees M measured; `model_single_measured` is given M's singles (the
    service's situation once singles are swept); the rule always uses measured singles."""
    builder = FeatureBuilder(catalog)
    singles = singles_from(outcomes)
    names = only or sorted({m for o in outcomes for m in o.mixins})
    rows: list[Outcome] = []
    groups: list[str] = []
    p_model: list[npt.NDArray[np.float64]] = []
    p_seen: list[npt.NDArray[np.float64]] = []
    for m in names:
        train = [o for o in outcomes if m not in o.mixins]
        test = [o for o in outcomes if m in o.mixins]
        booster = fit(builder, train, singles.without({m}))
        unseen = singles.without({m})
        p_model.append(_predict(builder, booster, test, unseen, lambda o: (False, False)))
        p_seen.append(_predict(builder, booster, test, singles, lambda o: (False, False)))
        rows += test
        groups += [m] * len(test)
    y = np.asarray([o.label for o in rows], dtype=np.float64)
    preds = {
        "model": np.concatenate(p_model),
        "service_static_rules+model": with_static_rules(catalog, rows, np.concatenate(p_model)),
        "model_single_measured": np.concatenate(p_seen),
        "rule_all_singles": np.asarray([rule_prob(o, singles) for o in rows]),
        "framework_validate_composition": np.asarray([float(framework(o.mixins)) for o in rows]),
    }
    return SplitResult(y, preds, rows, groups)


def per_mixin_accuracy(res: SplitResult, predictor: str, names: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    p = res.preds[predictor] >= 0.5
    y = res.y >= 0.5
    for m in names:
        idx = np.asarray([g == m for g in res.groups])
        if idx.any():
            out[m] = float(np.mean(p[idx] == y[idx]))
    return out


def holdout_metrics(catalog: Catalog, outcomes: list[Outcome], seed: int = 0) -> dict[str, Any]:
    """One grouped split (20 % of pairs held out, all kinds and orders): the artifact metrics."""
    pairs = sorted({o.mixins for o in outcomes if len(o.mixins) == 2})
    if len(pairs) < 10:
        return {"note": "too few measured pairs for a held-out split"}
    rng = np.random.default_rng(seed)
    test_pairs = {pairs[i] for i in rng.permutation(len(pairs))[: max(1, len(pairs) // 5)]}
    train = [o for o in outcomes if o.mixins not in test_pairs]
    test = [o for o in outcomes if o.mixins in test_pairs]
    builder = FeatureBuilder(catalog)
    singles = singles_from(outcomes)
    p = _predict(builder, fit(builder, train, singles), test, singles, lambda o: (False, False))
    s = Scores.of(np.asarray([o.label for o in test], dtype=np.float64), p)
    return {"split": "held-out pairs (grouped, 20 %)", **asdict(s)}
