"""Evidence order of the predictor: measured, then exact static rules; sets of 3+ via pairs."""

from app.mixins.catalog import Catalog, composition_key
from app.mixins.predictor import Counts, Predictor

OK, FAIL = Counts(1, 0, "ok", None), Counts(0, 1, "instantiate", "TypeError: ...")


def _measured(kind: str, outcomes: dict[tuple[str, ...], Counts]) -> dict[str, Counts]:
    return {composition_key(kind, m, "node_first"): c for m, c in outcomes.items()}


def test_static_rules_answer_without_any_measurement(catalog: Catalog) -> None:
    pred = Predictor(catalog, None, {})
    abstract, mro = pred.predict_many(
        [
            ("compute", "node_first", ("MixinNodeIntrospection",)),
            ("orchestrator", "node_first", ("MixinHandlerRouting", "MixinWorkflowExecution")),
        ]
    )
    assert (abstract.compatible, abstract.source) == (False, "static_rule")
    assert "abstract" in abstract.reasons[0]
    assert (mro.compatible, mro.source) == (False, "static_rule") and "MRO" in mro.reasons[0]


def test_measured_outcome_wins_and_is_named(catalog: Catalog) -> None:
    measured = _measured("effect", {("MixinCaching", "MixinMetrics"): Counts(3, 0, "ok", None)})
    [p] = Predictor(catalog, None, measured).predict_many(
        [("effect", "node_first", ("MixinMetrics", "MixinCaching"))]
    )
    assert p.compatible and p.source == "measured" and p.probability == 1.0


def test_triple_with_a_chain_cut_rescue(catalog: Catalog) -> None:
    # Measured on 0.47.57: MixinLazyValue fails alone (its __init__ needs `func`), but
    # MixinCanonicalYAMLSerializer's __init__ (object's) cuts the chain before it is reached.
    cy, eh, lv = "MixinCanonicalYAMLSerializer", "MixinEventHandler", "MixinLazyValue"
    measured = _measured(
        "effect",
        {(cy,): OK, (eh,): OK, (lv,): FAIL, (cy, eh): OK, (cy, lv): OK, (eh, lv): FAIL},
    )
    [p] = Predictor(catalog, None, measured).predict_many([("effect", "node_first", (cy, eh, lv))])
    assert p.compatible and p.source == "measured_pairs"
    # ... while a rescued mixin's other failure (a read-only `node_id`) still counts
    edn, mx = "MixinEventDrivenNode", "MixinMetrics"
    measured = _measured(
        "compute",
        {(cy,): OK, (edn,): FAIL, (mx,): OK, (cy, edn): FAIL, (cy, mx): OK, (edn, mx): FAIL},
    )
    [p] = Predictor(catalog, None, measured).predict_many(
        [("compute", "node_first", (cy, edn, mx))]
    )
    assert not p.compatible
