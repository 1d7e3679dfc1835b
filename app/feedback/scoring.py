"""Per-pattern precision and recall from verdict rows: counts a client can check. Pure, no I/O.

How a verdict counts (`classify`):
- `correct` on an emitted detection: a true positive (TP);
- `incorrect` on an emitted detection: a false positive (FP);
- `partial` on an emitted detection: a partial, half a TP and half an FP in precision;
- `missed` (on a non-emitted detection or with none at all): a false negative (FN);
- `correct` on a non-emitted detection: a true negative (TN: rightly not emitted), which
  enters neither precision nor recall but is counted;
- `emitted` unknown (None) on correct/incorrect/partial: those verdicts bind to an emitted
  detection, so they count as emitted; `incorrect` on a non-emitted detection says it should
  have been emitted and counts as FN; `partial` on a non-emitted one fits nothing and is only
  counted in `ignored`.

precision = (TP + partial/2) / (TP + FP + partial), recall = TP / (TP + FN), F1 their harmonic
mean; each is None when its denominator is 0. Weighted figures sum each row's weight (users
1.0, automated 0.5 by default), raw figures count rows. Wilson 95 % score intervals are taken
on the raw counts: precision with TP + partial/2 successes of TP + FP + partial, recall with TP
of TP + FN.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from math import sqrt
from statistics import NormalDist
from typing import Literal

Category = Literal["tp", "fp", "fn", "partial", "tn"]
Z95 = NormalDist().inv_cdf(0.975)  # 1.95996...


@dataclass(frozen=True)
class VerdictRow:
    pattern: str
    verdict: str  # correct | incorrect | partial | missed
    weight: float
    emitted: bool | None
    confidence: float | None = None
    created_at: datetime | None = None  # tuning orders by it; metrics do not need it
    count: int = 1  # a group of `count` identical rows (from GROUP BY): `weight` is their sum


@dataclass
class Counts:
    tp: float = 0.0
    fp: float = 0.0
    fn: float = 0.0
    partial: float = 0.0
    tn: float = 0.0

    def add(self, category: Category, amount: float) -> None:
        setattr(self, category, getattr(self, category) + amount)


@dataclass(frozen=True)
class Figures:
    precision: float | None
    recall: float | None
    f1: float | None


@dataclass
class PatternMetrics:
    pattern: str
    samples: int = 0  # every row of the pattern, `ignored` ones included
    ignored: int = 0
    raw: Counts = field(default_factory=Counts)
    weighted: Counts = field(default_factory=Counts)

    @property
    def raw_figures(self) -> Figures:
        return figures(self.raw)

    @property
    def weighted_figures(self) -> Figures:
        return figures(self.weighted)

    @property
    def precision_interval(self) -> tuple[float, float] | None:
        c = self.raw
        return wilson(c.tp + c.partial / 2, c.tp + c.fp + c.partial)

    @property
    def recall_interval(self) -> tuple[float, float] | None:
        return wilson(self.raw.tp, self.raw.tp + self.raw.fn)


_ON_EMITTED: dict[str, Category] = {"correct": "tp", "incorrect": "fp", "partial": "partial"}
_ON_NOT_EMITTED: dict[str, Category] = {"correct": "tn", "incorrect": "fn"}


def classify(verdict: str, emitted: bool | None) -> Category | None:
    if verdict == "missed":
        return "fn"
    return (_ON_NOT_EMITTED if emitted is False else _ON_EMITTED).get(verdict)


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


def f1_score(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def figures(c: Counts) -> Figures:
    precision = ratio(c.tp + c.partial / 2, c.tp + c.fp + c.partial)
    recall = ratio(c.tp, c.tp + c.fn)
    return Figures(precision, recall, f1_score(precision, recall))


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of successes/n (None when n is 0), within [0, 1]."""
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * sqrt(max(p * (1 - p) / n + z * z / (4 * n * n), 0.0)) / denominator
    # the interval contains p in exact arithmetic; the clamps only undo rounding (0 of n: 3e-18)
    return min(p, max(0.0, centre - half)), max(p, min(1.0, centre + half))


def score(rows: Iterable[VerdictRow]) -> dict[str, PatternMetrics]:
    """pattern -> its metrics, for the patterns that have rows (sorted by pattern)."""
    out: dict[str, PatternMetrics] = {}
    for row in rows:
        metrics = out.setdefault(row.pattern, PatternMetrics(row.pattern))
        metrics.samples += row.count
        category = classify(row.verdict, row.emitted)
        if category is None:
            metrics.ignored += row.count
            continue
        metrics.raw.add(category, row.count)
        metrics.weighted.add(category, row.weight)
    return dict(sorted(out.items()))
