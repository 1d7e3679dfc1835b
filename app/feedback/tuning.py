"""Choosing a pattern's confidence threshold from its feedback. Pure, no I/O.

Each verdict becomes a sample (confidence, label, weight, created_at), label 1 "should be
emitted", 0 "should not":
- correct on an emitted detection, missed, incorrect on a non-emitted one: 1 (full weight);
- partial on an emitted detection: 1 with half its weight;
- incorrect on an emitted detection, correct on a non-emitted one: 0;
- partial on a non-emitted detection fits neither and is left out.
A detection is emitted at threshold t when its confidence >= t. A `missed` without a confidence
is a false negative no threshold can recover: it counts in recall at every candidate.

The samples are ordered by created_at; the older `tune_fraction` tunes, the newer rest validates.
Candidates: the midpoints between adjacent distinct confidences of the tuning slice, and the
current threshold. The proposal maximises weighted F1 on the tuning slice (ties: the candidate
closest to the current threshold), or, with `target_precision`, is the lowest candidate whose
tuning-slice precision meets it. It is applied only when the validation slice's F1 strictly
improves over the current threshold's, and only for patterns with >= `min_samples` samples
that have a confidence. F1 counts as 0 where precision is undefined but positives exist.
"""

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise

from app.feedback.scoring import VerdictRow, f1_score, ratio

EPSILON = 1e-12  # F1 differences below this are ties (float sums)


@dataclass(frozen=True)
class Sample:
    confidence: float | None
    label: int
    weight: float
    created_at: datetime


@dataclass(frozen=True)
class TuningConfig:
    tune_fraction: float = 0.7
    min_samples: int = 20
    target_precision: float | None = None


@dataclass(frozen=True)
class SliceFigures:
    precision: float | None
    recall: float | None
    f1: float | None
    n: int


@dataclass(frozen=True)
class Decision:
    pattern: str
    current: float
    proposed: float | None
    applied: bool
    reason: str
    figures: dict[str, dict[str, SliceFigures]] | None  # {tuning|validation: {before|after}}


def to_sample(row: VerdictRow) -> Sample | None:
    created = row.created_at or datetime.min.replace(tzinfo=UTC)
    emitted = row.emitted is not False
    if row.verdict == "missed" or (row.verdict == "incorrect" and not emitted):
        return Sample(row.confidence, 1, row.weight, created)
    if row.verdict == "partial" and emitted:
        return Sample(row.confidence, 1, row.weight / 2, created)
    if row.verdict == "correct":
        return Sample(row.confidence, 1 if emitted else 0, row.weight, created)
    if row.verdict == "incorrect":
        return Sample(row.confidence, 0, row.weight, created)
    return None


class Curve:
    """Weighted TP/FP/FN of one slice at any threshold, in O(log n) per threshold."""

    def __init__(self, samples: Sequence[Sample]) -> None:
        scored = sorted(
            (s.confidence, s.label, s.weight) for s in samples if s.confidence is not None
        )
        self.n = len(samples)
        self.confidences = [c for c, _, _ in scored]
        self.positive = [0.0] * (len(scored) + 1)  # suffix sums: weight at index i and above
        self.negative = [0.0] * (len(scored) + 1)
        for i in range(len(scored) - 1, -1, -1):
            _, label, weight = scored[i]
            self.positive[i] = self.positive[i + 1] + (weight if label else 0.0)
            self.negative[i] = self.negative[i + 1] + (0.0 if label else weight)
        unrecoverable = sum(s.weight for s in samples if s.confidence is None and s.label)
        self.all_positive = self.positive[0] + unrecoverable

    def at(self, threshold: float) -> SliceFigures:
        i = bisect_left(self.confidences, threshold)  # the first confidence >= threshold
        tp, fp = self.positive[i], self.negative[i]
        precision = ratio(tp, tp + fp)
        recall = ratio(tp, self.all_positive)
        if precision is None and recall is not None:
            precision_for_f1: float | None = 0.0
        else:
            precision_for_f1 = precision
        return SliceFigures(precision, recall, f1_score(precision_for_f1, recall), self.n)


def candidates(samples: Iterable[Sample], current: float) -> list[float]:
    distinct = sorted({s.confidence for s in samples if s.confidence is not None})
    midpoints = {(a + b) / 2 for a, b in pairwise(distinct)}
    return sorted(midpoints | {current})


def _f1(figures: SliceFigures) -> float:
    return -1.0 if figures.f1 is None else figures.f1


def choose(
    curve: Curve, options: Sequence[float], current: float, config: TuningConfig
) -> float | None:
    """The proposal; None when no candidate meets the target precision."""
    if config.target_precision is not None:
        target = config.target_precision
        for threshold in options:  # ascending: the lowest that meets the target
            precision = curve.at(threshold).precision
            if precision is not None and precision >= target - EPSILON:
                return threshold
        return None
    best = max(_f1(curve.at(t)) for t in options)
    tied = [t for t in options if _f1(curve.at(t)) >= best - EPSILON]
    return min(tied, key=lambda t: (abs(t - current), t))


def tune_pattern(
    pattern: str, samples: Sequence[Sample], current: float, config: TuningConfig
) -> Decision:
    with_confidence = sum(1 for s in samples if s.confidence is not None)
    if with_confidence < config.min_samples:
        reason = f"{with_confidence} samples with a confidence; tuning needs {config.min_samples}"
        return Decision(pattern, current, None, False, reason, None)
    ordered = sorted(samples, key=lambda s: s.created_at)  # stable: ties keep their order
    cut = min(max(int(len(ordered) * config.tune_fraction), 1), len(ordered) - 1)
    tuning, validation = Curve(ordered[:cut]), Curve(ordered[cut:])
    options = candidates(ordered[:cut], current)
    proposed = choose(tuning, options, current, config)
    if proposed is None:
        figures = {"tuning": {"before": tuning.at(current)}}
        figures["validation"] = {"before": validation.at(current)}
        reason = f"no candidate reaches precision {config.target_precision} on the tuning slice"
        return Decision(pattern, current, None, False, reason, figures)
    figures = {
        "tuning": {"before": tuning.at(current), "after": tuning.at(proposed)},
        "validation": {"before": validation.at(current), "after": validation.at(proposed)},
    }
    before, after = _f1(figures["validation"]["before"]), _f1(figures["validation"]["after"])
    if proposed == current:
        return Decision(pattern, current, proposed, False, "the current threshold is best", figures)
    if after > before + EPSILON:
        reason = f"validation F1 {_show(before)} -> {_show(after)}"
        return Decision(pattern, current, proposed, True, reason, figures)
    reason = f"validation F1 does not improve ({_show(before)} -> {_show(after)})"
    return Decision(pattern, current, proposed, False, reason, figures)


def _show(f1: float) -> str:
    return "undefined" if f1 < 0 else f"{f1:.3f}"


def tune(
    rows: Iterable[VerdictRow], current: Mapping[str, float], config: TuningConfig
) -> list[Decision]:
    """One decision per pattern that has feedback (sorted by pattern); `current` holds each
    pattern's threshold now (active tuned one or default; 0.0 for a pattern with neither)."""
    by_pattern: dict[str, list[Sample]] = {}
    for row in rows:
        sample = to_sample(row)
        if sample is not None:
            by_pattern.setdefault(row.pattern, []).append(sample)
    return [
        tune_pattern(pattern, samples, current.get(pattern, 0.0), config)
        for pattern, samples in sorted(by_pattern.items())
    ]
