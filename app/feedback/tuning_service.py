"""Pattern metrics, tuning and thresholds: what the /patterns routes answer."""

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.analysis.patterns import DEFAULT_THRESHOLDS, all_patterns
from app.config import FeedbackSettings
from app.db import as_utc
from app.feedback.exporter import MetricsExporter
from app.feedback.models import PatternThreshold
from app.feedback.queries import verdict_groups, verdict_rows
from app.feedback.scoring import Counts, PatternMetrics, score
from app.feedback.thresholds import ThresholdStore, active_rows
from app.feedback.tuning import Decision, TuningConfig, tune
from app.feedback.tuning_errors import InvalidWindow, NothingToRollBack, PatternNotFound
from app.feedback.tuning_schemas import (
    DecisionOut,
    Interval,
    MetricsOut,
    PatternMetricsOut,
    RawCounts,
    RollbackOut,
    ThresholdOut,
    ThresholdsOut,
    ThresholdVersion,
    TuneOut,
    TuningFigures,
    WeightedCounts,
)


class PatternTuner:
    """Built in the lifespan (state "pattern_tuner"); the store is generation's ThresholdSource."""

    def __init__(
        self,
        settings: FeedbackSettings,
        sessionmaker: async_sessionmaker[AsyncSession],
        store: ThresholdStore,
        exporter: MetricsExporter,
    ) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.store = store
        self.exporter = exporter

    @property
    def config(self) -> TuningConfig:
        s = self.settings
        return TuningConfig(s.tune_fraction, s.min_samples, s.target_precision)

    async def metrics(
        self, session: AsyncSession, since: datetime | None, until: datetime | None
    ) -> MetricsOut:
        since = as_utc(since) if since else None
        until = as_utc(until) if until else None
        if since is not None and until is not None and since > until:
            raise InvalidWindow(since, until)
        scored = score(await verdict_groups(session, since, until))
        return MetricsOut(
            since=since, until=until, patterns=[_metrics_out(m) for m in scored.values()]
        )

    async def tune(self) -> TuneOut:
        async with self.sessionmaker() as session:
            rows = await verdict_rows(session)
            active = await active_rows(session)
        current = {**DEFAULT_THRESHOLDS, **{p: row.threshold for p, row in active.items()}}
        decisions = []
        for decision in tune(rows, current, self.config):
            version = None
            if decision.applied and decision.proposed is not None:
                expected = active[decision.pattern].id if decision.pattern in active else None
                figures = _figures_json(decision)
                row = await self.store.apply(decision.pattern, decision.proposed, figures, expected)
                if row is None:
                    decision = _changed_meanwhile(decision)
                else:
                    version = row.version
            decisions.append(_decision_out(decision, version))
        self.exporter.request_refresh()
        return TuneOut(decisions=decisions)

    async def thresholds(self, session: AsyncSession) -> ThresholdsOut:
        history = await self.store.history(session)
        out = []
        for pattern in sorted(set(DEFAULT_THRESHOLDS) | set(history)):
            versions = history.get(pattern, [])
            active = next((v for v in reversed(versions) if v.active), None)
            default = DEFAULT_THRESHOLDS.get(pattern)
            out.append(
                ThresholdOut(
                    pattern=pattern,
                    threshold=active.threshold if active else default,
                    default=default,
                    active=_version_out(active) if active else None,
                    history=len(versions),
                )
            )
        return ThresholdsOut(patterns=out)

    async def rollback(self, pattern: str) -> RollbackOut:
        if pattern not in all_patterns():
            raise PatternNotFound(pattern)
        result = await self.store.rollback(pattern)
        if result is None:
            raise NothingToRollBack(pattern)
        restored = result.restored
        return RollbackOut(
            pattern=pattern,
            rolled_back_version=result.rolled_back.version,
            active_version=restored.version if restored else None,
            threshold=restored.threshold if restored else DEFAULT_THRESHOLDS.get(pattern),
        )


def _raw(c: Counts, m: PatternMetrics) -> RawCounts:
    f = m.raw_figures
    counts = {k: int(v) for k, v in asdict(c).items()}
    return RawCounts(**counts, precision=f.precision, recall=f.recall, f1=f.f1)


def _metrics_out(m: PatternMetrics) -> PatternMetricsOut:
    w = m.weighted_figures
    p, r = m.precision_interval, m.recall_interval
    return PatternMetricsOut(
        pattern=m.pattern,
        samples=m.samples,
        ignored=m.ignored,
        raw=_raw(m.raw, m),
        weighted=WeightedCounts(
            **asdict(m.weighted), precision=w.precision, recall=w.recall, f1=w.f1
        ),
        precision_interval=Interval(low=p[0], high=p[1]) if p else None,
        recall_interval=Interval(low=r[0], high=r[1]) if r else None,
    )


def _figures_json(decision: Decision) -> dict[str, Any]:
    figures = decision.figures or {}
    return {part: {k: asdict(v) for k, v in pair.items()} for part, pair in figures.items()}


def _decision_out(decision: Decision, version: int | None) -> DecisionOut:
    figures = _figures_json(decision)
    return DecisionOut(
        pattern=decision.pattern,
        current=decision.current,
        proposed=decision.proposed,
        applied=decision.applied,
        reason=decision.reason,
        version=version,
        figures=TuningFigures.model_validate(figures) if figures else None,
    )


def _changed_meanwhile(decision: Decision) -> Decision:
    reason = "another tuning or rollback changed the active threshold meanwhile; tune again"
    return Decision(
        decision.pattern, decision.current, decision.proposed, False, reason, decision.figures
    )


def _version_out(row: PatternThreshold) -> ThresholdVersion:
    figures = TuningFigures.model_validate(row.figures) if row.figures else None
    return ThresholdVersion(
        version=row.version, threshold=row.threshold, created_at=row.created_at, figures=figures
    )
