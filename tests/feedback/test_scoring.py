"""app/feedback/scoring.py: counts, precision/recall/F1 and Wilson intervals, by hand and by
property."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.feedback.scoring import VerdictRow, classify, score, wilson


def rows(
    pattern: str, verdict: str, weight: float, emitted: bool | None, n: int
) -> list[VerdictRow]:
    return [VerdictRow(pattern, verdict, weight, emitted, 0.6) for _ in range(n)]


def test_counts_and_figures_by_hand() -> None:
    data = [
        *rows("kind.effect", "correct", 1.0, True, 3),
        *rows("kind.effect", "correct", 0.5, True, 2),
        *rows("kind.effect", "incorrect", 1.0, True, 1),
        *rows("kind.effect", "incorrect", 0.5, True, 2),
        *rows("kind.effect", "partial", 1.0, True, 2),
        *rows("kind.effect", "missed", 1.0, None, 2),
        *rows("kind.effect", "correct", 1.0, False, 1),
        *rows("flow", "missed", 0.5, False, 1),
    ]
    metrics = score(data)
    assert list(metrics) == ["flow", "kind.effect"]
    effect = metrics["kind.effect"]
    assert effect.samples == 13 and effect.ignored == 0
    raw, weighted = effect.raw, effect.weighted
    assert (raw.tp, raw.fp, raw.partial, raw.fn, raw.tn) == (5, 3, 2, 2, 1)
    assert (weighted.tp, weighted.fp, weighted.partial, weighted.fn, weighted.tn) == (4, 2, 2, 2, 1)
    # raw: precision (5 + 2/2) / (5 + 3 + 2) = 0.6; recall 5 / 7
    assert effect.raw_figures.precision == pytest.approx(0.6)
    assert effect.raw_figures.recall == pytest.approx(5 / 7)
    # weighted: precision (4 + 1) / 8, recall 4 / 6, F1 their harmonic mean
    w = effect.weighted_figures
    assert w.precision == pytest.approx(0.625)
    assert w.recall == pytest.approx(2 / 3)
    assert w.f1 == pytest.approx(2 * 0.625 * (2 / 3) / (0.625 + 2 / 3))
    # Wilson 95 % for 6 of 10 (the textbook value) and for 5 of 7
    assert effect.precision_interval == pytest.approx((0.3127, 0.8318), abs=1e-4)
    assert effect.recall_interval == pytest.approx((0.3589, 0.9178), abs=1e-4)
    flow = metrics["flow"]
    assert flow.weighted.fn == 0.5 and flow.raw.fn == 1
    assert flow.raw_figures.precision is None and flow.precision_interval is None
    assert flow.raw_figures.recall == 0.0 and flow.raw_figures.f1 is None


def test_classification() -> None:
    assert classify("correct", True) == "tp"
    assert classify("correct", None) == "tp"  # correct without a detection binds an emitted one
    assert classify("correct", False) == "tn"
    assert classify("incorrect", True) == "fp"
    assert classify("incorrect", False) == "fn"
    assert classify("partial", True) == "partial"
    assert classify("partial", False) is None
    assert classify("missed", None) == "fn"
    assert classify("missed", False) == "fn"


def test_unclassifiable_rows_are_counted_as_ignored() -> None:
    metrics = score([VerdictRow("flow", "partial", 1.0, False)])["flow"]
    assert metrics.samples == 1 and metrics.ignored == 1
    assert metrics.raw.tp == metrics.raw.fp == metrics.raw.partial == 0


def test_wilson_none_without_samples() -> None:
    assert wilson(0, 0) is None


@given(st.integers(min_value=1, max_value=10_000), st.data())
def test_wilson_contains_the_estimate(n: int, data: st.DataObject) -> None:
    successes = data.draw(st.integers(min_value=0, max_value=n))
    interval = wilson(successes, n)
    assert interval is not None
    low, high = interval
    assert 0.0 <= low <= successes / n <= high <= 1.0
    assert high - low > 0


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["correct", "incorrect", "partial", "missed"]),
            st.sampled_from([0.5, 1.0]),
            st.sampled_from([True, False, None]),
        ),
        max_size=200,
    )
)
def test_counts_add_up(data: list[tuple[str, float, bool | None]]) -> None:
    metrics = score(VerdictRow("kind.compute", v, w, e) for v, w, e in data)
    if not data:
        assert metrics == {}
        return
    m = metrics["kind.compute"]
    c = m.raw
    assert c.tp + c.fp + c.fn + c.partial + c.tn + m.ignored == m.samples == len(data)
    total_weight = sum(w for v, w, e in data if classify(v, e) is not None)
    wc = m.weighted
    assert wc.tp + wc.fp + wc.fn + wc.partial + wc.tn == pytest.approx(total_weight)
    for figure in (m.raw_figures.precision, m.raw_figures.recall, m.weighted_figures.f1):
        assert figure is None or 0.0 <= figure <= 1.0
    for interval, point in (
        (m.precision_interval, m.raw_figures.precision),
        (m.recall_interval, m.raw_figures.recall),
    ):
        assert (interval is None) == (point is None)
        if interval is not None and point is not None:
            assert interval[0] - 1e-12 <= point <= interval[1] + 1e-12


def test_grouped_rows_count_like_single_rows() -> None:
    single = [*rows("flow", "correct", 0.5, True, 3), *rows("flow", "missed", 1.0, None, 2)]
    grouped = [
        VerdictRow("flow", "correct", 1.5, True, count=3),
        VerdictRow("flow", "missed", 2.0, None, count=2),
    ]
    assert score(single) == score(grouped)
