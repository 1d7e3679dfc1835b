"""app/feedback/tuning.py: samples, the threshold sweep, the tune/validate split and its rules."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.feedback.scoring import VerdictRow
from app.feedback.tuning import (
    Curve,
    Sample,
    TuningConfig,
    candidates,
    choose,
    to_sample,
    tune,
    tune_pattern,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
CONFIG = TuningConfig(tune_fraction=0.7, min_samples=20)


def timeline(
    specs: Sequence[tuple[str, bool | None, float | None]], repeat: int
) -> list[VerdictRow]:
    """`specs` (verdict, emitted, confidence) repeated, one row a minute, oldest first."""
    out = []
    for i in range(repeat * len(specs)):
        verdict, emitted, confidence = specs[i % len(specs)]
        out.append(
            VerdictRow("kind.effect", verdict, 1.0, emitted, confidence, T0 + timedelta(minutes=i))
        )
    return out


def test_samples_from_verdicts() -> None:
    row = VerdictRow("flow", "correct", 1.0, True, 0.7, T0)
    assert to_sample(row) == Sample(0.7, 1, 1.0, T0)
    assert to_sample(VerdictRow("flow", "correct", 1.0, False, 0.3, T0)) == Sample(0.3, 0, 1.0, T0)
    assert to_sample(VerdictRow("flow", "incorrect", 0.5, True, 0.7, T0)) == Sample(0.7, 0, 0.5, T0)
    assert to_sample(VerdictRow("flow", "missed", 1.0, None, None, T0)) == Sample(None, 1, 1.0, T0)
    assert to_sample(VerdictRow("flow", "partial", 1.0, True, 0.7, T0)) == Sample(0.7, 1, 0.5, T0)
    assert to_sample(VerdictRow("flow", "partial", 1.0, False, 0.3, T0)) is None


def test_sweep_precision_target_and_max_f1() -> None:
    samples = [Sample(c, label, 1.0, T0) for c, label in ((0.2, 0), (0.4, 1), (0.6, 0), (0.8, 1))]
    curve = Curve(samples)
    options = candidates(samples, 0.5)
    assert options == pytest.approx([0.3, 0.5, 0.7])
    low = curve.at(0.3)  # emits 0.4, 0.6, 0.8: TP 2, FP 1
    assert low.precision == pytest.approx(2 / 3)
    assert (low.recall, low.n) == (1.0, 4)
    assert curve.at(0.5).f1 == pytest.approx(0.5)
    assert curve.at(0.9).precision is None and curve.at(0.9).f1 == 0.0
    assert choose(curve, options, 0.5, CONFIG) == pytest.approx(0.3)  # F1 0.8 beats .5, .667
    strict = TuningConfig(target_precision=0.9)
    assert choose(curve, options, 0.5, strict) == pytest.approx(0.7)  # precision 1.0
    assert choose(curve, options, 0.5, TuningConfig(target_precision=0.6)) == pytest.approx(0.3)
    nothing = [Sample(0.5, 0, 1.0, T0), Sample(0.6, 0, 1.0, T0)]
    assert choose(Curve(nothing), [0.55], 0.5, strict) is None


def test_a_missed_without_confidence_counts_at_every_threshold() -> None:
    samples = [Sample(0.8, 1, 1.0, T0), Sample(None, 1, 1.0, T0), Sample(0.3, 0, 1.0, T0)]
    curve = Curve(samples)
    assert {curve.at(t).recall for t in (0.0, 0.5, 0.8)} == {0.5}


def test_a_wrong_default_is_raised_and_validated() -> None:
    # incorrect verdicts on emitted detections at 0.52-0.58, correct ones at 0.72-0.9
    specs = [
        ("incorrect", True, 0.52),
        ("correct", True, 0.72),
        ("incorrect", True, 0.55),
        ("correct", True, 0.8),
        ("incorrect", True, 0.58),
        ("correct", True, 0.9),
    ]
    [decision] = tune(timeline(specs, 10), {"kind.effect": 0.5}, CONFIG)
    assert decision.applied, decision.reason
    assert decision.proposed == pytest.approx(0.65)  # midway between 0.58 and 0.72
    assert decision.figures is not None
    tuning, validation = decision.figures["tuning"], decision.figures["validation"]
    assert (tuning["before"].n, validation["before"].n) == (42, 18)
    assert tuning["before"].precision == pytest.approx(0.5)
    assert validation["before"].f1 == pytest.approx(2 / 3)
    assert validation["after"].f1 == pytest.approx(1.0)


def test_a_right_default_is_kept() -> None:
    specs = [("correct", False, 0.3), ("correct", True, 0.6), ("correct", False, 0.4),
             ("correct", True, 0.8)]  # fmt: skip
    [decision] = tune(timeline(specs, 8), {"kind.effect": 0.5}, CONFIG)
    assert not decision.applied
    assert decision.proposed == 0.5
    assert decision.reason == "the current threshold is best"


def test_not_applied_when_the_newer_slice_disagrees() -> None:
    # the older 70 % says 0.55 is wrong, the newer 30 % says it is right
    old = timeline([("incorrect", True, 0.55), ("correct", True, 0.8)], 14)
    new = [
        VerdictRow("kind.effect", "correct", 1.0, True, 0.55, T0 + timedelta(days=1, minutes=i))
        for i in range(12)
    ]
    [decision] = tune(old + new, {"kind.effect": 0.5}, CONFIG)
    assert decision.proposed == pytest.approx(0.675)
    assert not decision.applied
    assert decision.reason.startswith("validation F1 does not improve")


def test_too_few_samples_with_a_confidence() -> None:
    rows = timeline([("incorrect", True, 0.55), ("missed", None, None)], 15)
    [decision] = tune(rows, {}, CONFIG)  # 15 with a confidence, 30 in all
    assert (decision.applied, decision.proposed, decision.figures) == (False, None, None)
    assert decision.current == 0.0
    assert "15 samples" in decision.reason


samples_strategy = st.lists(
    st.builds(
        Sample,
        st.one_of(st.none(), st.floats(0, 1)),
        st.integers(0, 1),
        st.sampled_from([0.25, 0.5, 1.0]),
        st.just(T0),
    ),
    min_size=1,
    max_size=60,
)


@given(samples_strategy, st.floats(0, 1))
def test_the_proposal_is_never_worse_on_the_tuning_slice(
    samples: list[Sample], current: float
) -> None:
    curve = Curve(samples)
    proposed = choose(curve, candidates(samples, current), current, CONFIG)
    assert proposed is not None
    before, after = curve.at(current).f1, curve.at(proposed).f1
    if before is not None:
        assert after is not None and after >= before - 1e-9


@given(samples_strategy, st.floats(0, 1))
def test_the_decision_is_applied_only_on_a_validation_gain(
    samples: list[Sample], current: float
) -> None:
    decision = tune_pattern("flow", samples, current, TuningConfig(min_samples=1))
    if decision.applied:
        assert decision.figures is not None
        validation = decision.figures["validation"]
        assert validation["after"].f1 is not None
        assert validation["after"].f1 > (validation["before"].f1 or 0.0)
