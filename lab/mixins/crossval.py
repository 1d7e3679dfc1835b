"""Cross-validation of three predictors on the same measured data: the model, the single rule and
the framework's own rules (held-out pairs, leave-one-mixin-out)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.mixins.catalog import Catalog
from app.mixins.features import FeatureBuilder, SinglesTable
from app.mixins.learner import CompositionOutcome, fit, predict_rows, singles_from
from app.mixins.predictor import Predictor

Framework = Callable[[tuple[str, ...]], bool]


def with_static_rules(
    catalog: Catalog, rows: list[CompositionOutcome], p: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """The service's unmeasured path: exact static rules first, the model otherwise."""
    pred = Predictor(catalog, None, {})
    rule = np.asarray([pred.static_failure((o.kind, o.order, o.mixins)) is not None for o in rows])
    return np.where(rule, 0.0, p)


def rule_prob(o: CompositionOutcome, singles: SinglesTable) -> float:
    """'A set works iff every single works', from measured singles (NaN-free: unknown = works)."""
    return float(all(singles.rates.get((o.kind, o.order, m), 1.0) >= 0.5 for m in o.mixins))


@dataclass
class SplitResult:
    y: npt.NDArray[np.float64]
    preds: dict[str, npt.NDArray[np.float64]]
    rows: list[CompositionOutcome]
    groups: list[str]


def held_out_pairs(
    catalog: Catalog,
    outcomes: list[CompositionOutcome],
    framework: Framework,
    folds: int = 5,
    seed: int = 0,
) -> SplitResult:
    """Grouped K-fold over pair keys: a pair (all kinds, orders) is in train or test, not both."""
    builder = FeatureBuilder(catalog)
    singles = singles_from(outcomes)
    pairs = sorted({o.mixins for o in outcomes if len(o.mixins) == 2})
    rng = np.random.default_rng(seed)
    fold_of: dict[tuple[str, ...], int] = {
        p: int(f) for p, f in zip(pairs, rng.permutation(len(pairs)) % folds, strict=True)
    }
    rows: list[CompositionOutcome] = []
    model_p: list[npt.NDArray[np.float64]] = []
    for f in range(folds):
        train = [o for o in outcomes if len(o.mixins) == 1 or fold_of[o.mixins] != f]
        test = [o for o in outcomes if len(o.mixins) == 2 and fold_of[o.mixins] == f]
        booster = fit(builder, train, singles)
        model_p.append(predict_rows(builder, booster, test, singles))
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
    catalog: Catalog,
    outcomes: list[CompositionOutcome],
    framework: Framework,
    only: list[str] | None = None,
) -> SplitResult:
    """Per mixin M: train without any outcome containing M (its singles too); test on every outcome
    containing M. `model` never sees M measured; `model_single_measured` is given M's singles (the
    service's situation once singles are swept); the rule always uses measured singles."""
    builder = FeatureBuilder(catalog)
    singles = singles_from(outcomes)
    names = only or sorted({m for o in outcomes for m in o.mixins})
    rows: list[CompositionOutcome] = []
    groups: list[str] = []
    p_model: list[npt.NDArray[np.float64]] = []
    p_seen: list[npt.NDArray[np.float64]] = []
    for m in names:
        train = [o for o in outcomes if m not in o.mixins]
        test = [o for o in outcomes if m in o.mixins]
        booster = fit(builder, train, singles.without({m}))
        unseen = singles.without({m})
        p_model.append(predict_rows(builder, booster, test, unseen))
        p_seen.append(predict_rows(builder, booster, test, singles))
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
