"""Answering "does this composition pass the lifecycle?" in order of evidence.

1. measured: the composition's own counts (oracle sweep, confirmations, feedback);
2. static rule: exact Python semantics read from the catalog (C3 MRO conflict, an `__init__` that
   rejects its arguments, NodeCoreBase never initialised, unimplemented abstract methods);
3. model: LightGBM on static features + measured singles (sets of 3+: the weakest pair);
4. no model loaded: the single rule, from measured singles.

User reports (`/mixins/feedback`) never count as measured: they only shift an answer of kind 3
or 4, each worth `user_weight` of the model's own answer (`source` gains `+user`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.mixins.catalog import (
    KINDS,
    ORDERS,
    Catalog,
    Query,
    SimResult,
    canonical,
    composition_key,
    simulate,
)
from app.mixins.features import FeatureBuilder, SinglesTable
from app.mixins.learner import ModelArtifact


@dataclass(frozen=True)
class Counts:
    success: int
    failure: int
    stage: str | None
    error: str | None

    @property
    def rate(self) -> float:
        return self.success / max(1, self.success + self.failure)


PredictionParts = tuple[float, str, list[str]]  # probability, source, reasons


@dataclass
class Prediction:
    node_kind: str
    order: str
    mixins: list[str]
    compatible: bool
    probability: float
    source: str
    model_version: str | None
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


class Predictor:
    def __init__(
        self,
        catalog: Catalog,
        artifact: ModelArtifact | None,
        measured: dict[str, Counts],
        user: dict[str, Counts] | None = None,
        user_weight: float = 0.25,
    ) -> None:
        self.catalog = catalog
        self.user = dict(user or {})
        self.user_weight = user_weight
        self._artifact = artifact
        self.revision = 0  # bumped whenever a prediction could change (model or evidence)
        self.builder = FeatureBuilder(catalog)
        self.measured = dict(measured)
        self.singles = self._singles()
        self._sim: dict[Query, SimResult] = {}
        self._static: dict[Query, str | None] = {}
        self._rows: dict[Query, np.ndarray[Any, np.dtype[np.float64]]] = {}
        self._rows_for: SinglesTable | None = None

    @property
    def artifact(self) -> ModelArtifact | None:
        return self._artifact

    @artifact.setter
    def artifact(self, artifact: ModelArtifact | None) -> None:
        self._artifact = artifact
        self.revision += 1

    @property
    def model_version(self) -> str | None:
        return self.artifact.version if self.artifact else None

    def _singles(self) -> SinglesTable:
        rates = {}
        for key, c in self.measured.items():
            kind, order, mk = key.split("|", 2)
            if "+" not in mk:
                rates[(kind, order, mk)] = c.rate
        return SinglesTable(rates)

    def replace_measured(self, measured: dict[str, Counts]) -> None:
        self.measured = dict(measured)
        self.singles = self._singles()
        self.revision += 1

    def observe(self, key: str, counts: Counts) -> None:
        self.measured[key] = counts
        self.revision += 1
        if "+" not in key.split("|", 2)[2]:
            self.singles = self._singles()

    def replace_user(self, user: dict[str, Counts]) -> None:
        self.user = dict(user)
        self.revision += 1

    def observe_user(self, key: str, counts: Counts) -> None:
        self.user[key] = counts
        self.revision += 1

    def _shifted(self, q: Query, p: float, source: str, why: list[str]) -> PredictionParts:
        """A model or rule answer moved by the composition's user reports (if any): the model
        counts as one observation, each report as `user_weight` of one."""
        c = self.user.get(composition_key(q[0], q[2], q[1]))
        if c is None or source in ("measured", "static_rule", "pairs_static_rule"):
            return p, source, why
        w = self.user_weight
        shifted = (p + w * c.success) / (1 + w * (c.success + c.failure))
        note = f"user reports: {c.success} passed, {c.failure} failed (weight {w} each)"
        return shifted, f"{source}+user", [*why, note]

    def static_failure(self, q: Query) -> str | None:
        if q in self._static:
            return self._static[q]
        kind, order, mixins = q
        sim = simulate(self.catalog, kind, mixins, order)
        why: str | None = None
        if not sim.mro_ok:
            why = "class creation fails: no consistent MRO (C3) for these bases in this order"
        elif not sim.init_ok and sim.failing_class:
            cls = sim.failing_class.split(":")[-1]
            why = f"instantiation fails: {cls}.__init__ rejects the arguments it receives"
        elif not sim.core_initialised:
            why = "instantiation fails: an __init__ cuts the chain before NodeCoreBase.__init__"
        else:
            for m in mixins:
                provided = {
                    p
                    for o in mixins
                    if o != m
                    for p in self.catalog.mixins[o].data.get("provides", [])
                }
                missing = set(self.catalog.mixins[m].data.get("abstract_methods", [])) - provided
                if missing:
                    gap = sorted(missing)
                    why = f"instantiation fails: {m} leaves abstract methods {gap} unimplemented"
                    break
        self._static[q] = why
        return why

    def _rescued(self, q: Query) -> set[str]:
        """Mixins whose own __init__ rejects its arguments alone but is never reached in this
        composition (another mixin cuts the chain first): their pair failures do not apply."""
        kind, order, mixins = q
        skipped = set(simulate(self.catalog, kind, mixins, order).inits_not_reached)
        return {
            m
            for m in mixins
            if self.catalog.mixins[m].ref in skipped and self.builder._rejects_alone(m, kind, order)
        }

    def _explain(self, q: Query) -> list[str]:
        kind, order, mixins = q
        out = []
        for m in mixins:
            r = self.singles.rates.get((kind, order, m))
            if r is not None:
                out.append(
                    f"{m} alone {'passes' if r >= 0.5 else 'fails'} ({kind}, {order}) [measured]"
                )
            else:
                out.append(f"{m} alone never measured ({kind}, {order})")
            d = self.catalog.mixins[m].data
            for col in ("ro_property_collisions", "signature_collisions", "property_collisions"):
                if d.get(col):
                    out.append(f"{m}: {col.replace('_', ' ')} with NodeCoreBase: {d[col]}")
        sim = simulate(self.catalog, kind, mixins, order)
        if sim.uninitialised_mixins:
            out.append(f"{sim.uninitialised_mixins} mixin __init__(s) never reached (chain cut)")
        return out

    def _model_probs(self, qs: list[Query]) -> np.ndarray[Any, np.dtype[np.float64]]:
        assert self.artifact is not None
        singles = self.singles
        if self._rows_for is not singles:
            self._rows.clear()
            self._rows_for = singles
        missing = [q for q in dict.fromkeys(qs) if q not in self._rows]
        if missing:
            for q, row in zip(missing, self.builder.rows(missing, singles), strict=True):
                self._rows[q] = row
        X = np.stack([self._rows[q] for q in qs])
        # one thread: OpenMP start-up dominates at these sizes and ruins the tail latency
        return np.asarray(self.artifact.booster.predict(X, num_threads=1), dtype=np.float64)

    def _fallback(self, q: Query) -> float:
        kind, order, mixins = q
        rates = [self.singles.rates.get((kind, order, m)) for m in mixins]
        if any(r is not None and r < 0.5 for r in rates):
            return 0.05
        return 0.9 if all(r is not None for r in rates) else 0.5

    def predict_many(self, queries: list[Query]) -> list[Prediction]:
        qs = [(k, o, canonical(m)) for k, o, m in queries]
        probs: dict[Query, tuple[float, str, list[str]]] = {}
        need_model: list[Query] = []
        for q in qs:
            if q in probs:
                continue
            got = self._evidence(q)
            if got is not None:
                probs[q] = got
            elif len(q[2]) <= 2:
                need_model.append(q)
        self._score(need_model, probs)
        for q in qs:  # sets of 3+: every pair must pass, except pairs with a "rescued" mixin
            if q in probs:
                continue
            rescued = self._rescued(q)
            every = [(q[0], q[1], p) for p in itertools.combinations(q[2], 2)]
            # a pair is evidence only if each mixin rescued here is rescued in the pair too
            subs = [s for s in every if rescued & set(s[2]) <= self._rescued(s)] or every
            missing = [s for s in subs if s not in probs and self._evidence(s) is None]
            self._score(list(dict.fromkeys(missing)), probs)
            for s in subs:
                probs.setdefault(s, self._evidence(s) or (0.5, "unknown", []))
            worst = min(subs, key=lambda s: probs[s][0])
            p, src, why = probs[worst]
            source = (
                "measured_pairs" if all(probs[s][1] == "measured" for s in subs) else f"pairs_{src}"
            )
            note = [f"weakest pair {'+'.join(worst[2])}: p={p:.3f} ({src})", *why]
            if rescued:
                note.append(
                    f"{sorted(rescued)}: __init__ never reached (chain cut); pairs adjusted"
                )
            probs[q] = (p, source, note)
        return [self._pred(q, *self._shifted(q, *probs[q])) for q in qs]

    def _evidence(self, q: Query) -> tuple[float, str, list[str]] | None:
        c = self.measured.get(composition_key(q[0], q[2], q[1]))
        if c is not None:
            why = [f"measured by running it: {c.success} passed, {c.failure} failed"]
            if c.failure and c.stage and c.stage != "ok":
                why.append(f"last failure at stage {c.stage}: {c.error}")
            return c.rate, "measured", why
        rule = self.static_failure(q)
        if rule is not None:
            return 0.0, "static_rule", [rule]
        return None

    def _score(self, qs: list[Query], probs: dict[Query, tuple[float, str, list[str]]]) -> None:
        if not qs:
            return
        if self.artifact is not None:
            for q, p in zip(qs, self._model_probs(qs), strict=True):
                probs[q] = (float(p), "model", self._explain(q) if len(qs) <= 20 else [])
        else:
            for q in qs:
                probs[q] = (self._fallback(q), "rule_singles", self._explain(q))

    def _pred(self, q: Query, p: float, source: str, reasons: list[str]) -> Prediction:
        return Prediction(
            q[0], q[1], list(q[2]), p > 0.5, round(p, 4), source, self.model_version, reasons
        )


def unmeasured_singles(names: list[str], measured: dict[str, Counts]) -> list[Query]:
    """Every single-mixin composition (each kind, each order) with no measurement yet."""
    return [
        (kind, order, (name,))
        for name in names
        for kind in KINDS
        for order in ORDERS
        if composition_key(kind, (name,), order) not in measured
    ]
