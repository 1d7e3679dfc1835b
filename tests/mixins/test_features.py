"""Leakage guard and static simulation: no feature is derived from the outcome it predicts."""

import math

import numpy as np

from app.mixins.catalog import Catalog, simulate
from app.mixins.features import COLUMNS, FeatureBuilder
from app.mixins.learner import CompositionOutcome, singles_from, training_matrix

NAMES = ["MixinCaching", "MixinHealthCheck", "MixinMetrics", "MixinNodeSetup"]


def _outcomes(flip: tuple[str, ...] | None = None) -> list[CompositionOutcome]:
    out = []
    for i, a in enumerate(NAMES):
        out.append(CompositionOutcome("effect", "node_first", (a,), int(a != "MixinNodeSetup"), 0))
        for b in NAMES[i + 1 :]:
            ok = int("MixinNodeSetup" not in (a, b))
            if flip == (a, b):
                ok = 1 - ok
            out.append(CompositionOutcome("effect", "node_first", (a, b), ok, 1 - ok))
    return out


def test_no_column_is_named_after_a_label_or_rate_of_the_row() -> None:
    banned = ("label", "success", "failure", "rate", "compatib", "score", "history")
    assert not [c for c in COLUMNS if any(b in c for b in banned)]
    assert [c for c in COLUMNS if "single" in c]  # only singles' outcomes, by design


def test_a_pairs_own_outcome_never_changes_its_features(catalog: Catalog) -> None:
    builder = FeatureBuilder(catalog)
    base, flipped = _outcomes(), _outcomes(flip=("MixinCaching", "MixinMetrics"))
    X1, y1 = training_matrix(builder, base, singles_from(base), seed=1)
    X2, y2 = training_matrix(builder, flipped, singles_from(flipped), seed=1)
    assert not np.array_equal(y1, y2)  # the label did change ...
    np.testing.assert_array_equal(X1, X2)  # ... and not one feature value moved


def test_a_singles_own_outcome_is_masked_in_its_row(catalog: Catalog) -> None:
    builder = FeatureBuilder(catalog)
    data = _outcomes()
    singles = singles_from(data)
    X = builder.rows([("effect", "node_first", ("MixinNodeSetup",))], singles)
    assert math.isnan(X[0, COLUMNS.index("a_single_same")])
    # and the model must work for never-measured mixins: rows with every single masked exist
    X_all, _ = training_matrix(builder, data, singles)
    single_cols = [i for i, c in enumerate(COLUMNS) if "_single_" in c]
    assert np.isnan(X_all[:, single_cols]).all(axis=1).any()


def test_static_simulation_finds_mro_conflict_and_init_rejection(catalog: Catalog) -> None:
    conflict = simulate(
        catalog, "orchestrator", ("MixinHandlerRouting", "MixinWorkflowExecution"), "node_first"
    )
    assert not conflict.mro_ok
    rejected = simulate(catalog, "effect", ("MixinHealthCheck",), "mixins_first")
    assert rejected.mro_ok and not rejected.init_ok
    fine = simulate(catalog, "effect", ("MixinCaching", "MixinMetrics"), "node_first")
    assert fine.mro_ok and fine.init_ok and fine.core_initialised
