"""LightGBM on measured outcomes: training with random masking, a held-out score, the versioned
artifact (save, load), and when there is enough data to train at all."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt

from app.config import PROJECT_ROOT
from app.errors import Conflict
from app.mixins.catalog import Catalog
from app.mixins.features import COLUMNS, FeatureBuilder, SinglesTable

log = logging.getLogger(__name__)
MIN_TRAIN_OUTCOMES = 50
EPS = 1e-3

PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 5,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.9,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "verbose": -1,
    "num_threads": 2,
    "deterministic": True,
    "seed": 7,
}
ROUNDS = 250


@dataclass(frozen=True)
class CompositionOutcome:
    """Counts of one composition (kind, order, canonical mixins): a training row (measured, or
    user reports on an unmeasured composition, with a lower weight)."""

    kind: str
    order: str
    mixins: tuple[str, ...]
    success: int
    failure: int
    weight: float = 1.0  # a measurement; user reports train with `mixins.feedback_weight`

    @property
    def label(self) -> int:
        return int(self.success > self.failure)

    @property
    def rate(self) -> float:
        return self.success / max(1, self.success + self.failure)


def singles_from(outcomes: list[CompositionOutcome]) -> SinglesTable:
    return SinglesTable(
        {
            (o.kind, o.order, o.mixins[0]): o.rate
            for o in outcomes
            if len(o.mixins) == 1 and o.weight == 1.0
        }
    )


def data_hash(outcomes: list[CompositionOutcome]) -> str:
    h = hashlib.sha256()
    for o in sorted(outcomes, key=lambda o: (o.kind, o.order, o.mixins)):
        user = f"|w{o.weight}" if o.weight != 1.0 else ""
        h.update(
            f"{o.kind}|{o.order}|{'+'.join(o.mixins)}|{o.success}|{o.failure}{user}\n".encode()
        )
    return h.hexdigest()[:16]


def training_matrix(
    builder: FeatureBuilder,
    outcomes: list[CompositionOutcome],
    singles: SinglesTable,
    seed: int = 0,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Each outcome three times: singles visible, randomly masked, all masked (never measured)."""
    rng = np.random.default_rng(seed)
    rows = [o for o in outcomes if 1 <= len(o.mixins) <= 2]
    queries = [(o.kind, o.order, o.mixins) for o in rows]
    n = len(rows)
    full = builder.rows(queries, singles)
    rand = builder.rows(
        queries,
        singles,
        {i: (bool(rng.random() < 0.5), bool(rng.random() < 0.5)) for i in range(n)},
    )
    none = builder.rows(queries, singles, dict.fromkeys(range(n), (True, True)))
    y = np.asarray([o.label for o in rows], dtype=np.float64)
    return np.vstack([full, rand, none]), np.concatenate([y, y, y])


def weights_of(outcomes: list[CompositionOutcome]) -> npt.NDArray[np.float64]:
    """Sample weights in training_matrix's row order (each outcome three times)."""
    w = np.asarray([o.weight for o in outcomes if 1 <= len(o.mixins) <= 2], dtype=np.float64)
    return np.concatenate([w, w, w])


def fit(
    builder: FeatureBuilder, outcomes: list[CompositionOutcome], singles: SinglesTable | None = None
) -> lgb.Booster:
    X, y = training_matrix(
        builder, outcomes, singles if singles is not None else singles_from(outcomes)
    )
    ds = lgb.Dataset(X, y, weight=weights_of(outcomes), feature_name=COLUMNS, free_raw_data=True)
    return lgb.train(PARAMS, ds, num_boost_round=ROUNDS)


@dataclass
class ModelArtifact:
    booster: lgb.Booster
    meta: dict[str, Any]

    @property
    def version(self) -> str:
        return str(self.meta["model_version"])


def model_dir(path: Path) -> Path:
    return path if path.is_absolute() else PROJECT_ROOT / path


def train_artifact(
    catalog: Catalog, outcomes: list[CompositionOutcome], metrics: dict[str, Any] | None = None
) -> ModelArtifact:
    t0 = time.perf_counter()
    metrics = {**holdout_metrics(catalog, outcomes), **(metrics or {})}
    booster = fit(FeatureBuilder(catalog), outcomes)
    meta = {
        "model_version": time.strftime("%Y%m%d%H%M%S") + "-" + data_hash(outcomes)[:6],
        "framework_version": catalog.framework_version,
        "training_data_hash": data_hash(outcomes),
        "n_outcomes": len(outcomes),
        "columns": COLUMNS,
        "params": PARAMS,
        "rounds": ROUNDS,
        "train_seconds": round(time.perf_counter() - t0, 2),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "metrics": metrics,
    }
    return ModelArtifact(booster, meta)


def save(art: ModelArtifact, path: Path, keep: int | None = None) -> Path:
    """Write `art` as the current model; with `keep`, prune older folders to the newest `keep`."""
    d = model_dir(path)
    d.mkdir(parents=True, exist_ok=True)
    target = d / f"model-{art.version}"
    target.mkdir(exist_ok=True)
    art.booster.save_model(str(target / "model.txt"))
    (target / "meta.json").write_text(json.dumps(art.meta, indent=1, sort_keys=True))
    tmp = d / "CURRENT.tmp"
    tmp.write_text(target.name)
    tmp.replace(d / "CURRENT")
    if keep is not None:
        prune_models(d, keep)
    return target


def prune_models(path: Path, keep: int) -> list[str]:
    """Remove all but the newest `keep` model folders (by write time); never the active one
    (CURRENT). Returns the names removed."""
    d = model_dir(path)
    cur = d / "CURRENT"
    active = cur.read_text().strip() if cur.is_file() else None
    folders = [p for p in d.glob("model-*") if p.is_dir()] if d.is_dir() else []
    folders.sort(key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)
    kept = {p.name for p in folders[: max(1, keep)]} | ({active} if active else set())
    removed = [p for p in folders if p.name not in kept]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    if removed:
        log.info("pruned %d mixin model folders, kept %d", len(removed), len(kept))
    return [p.name for p in removed]


def load(path: Path) -> ModelArtifact | None:
    d = model_dir(path)
    cur = d / "CURRENT"
    if not cur.is_file():
        return None
    target = d / cur.read_text().strip()
    meta = json.loads((target / "meta.json").read_text())
    if meta.get("columns") != COLUMNS:
        return None  # feature layout changed: the artifact is unusable, retrain
    return ModelArtifact(lgb.Booster(model_file=str(target / "model.txt")), meta)


def load_first(*paths: Path) -> ModelArtifact | None:
    """The first model found: one retrained at runtime wins over the checked-in baseline's."""
    for path in paths:
        if (art := load(path)) is not None:
            return art
    return None


# scoring ---------------------------------------------------------------------------------------
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


def predict_rows(
    builder: FeatureBuilder,
    booster: lgb.Booster,
    rows: list[CompositionOutcome],
    singles: SinglesTable,
    mask: Callable[[CompositionOutcome], tuple[bool, bool]] = lambda o: (False, False),
) -> npt.NDArray[np.float64]:
    """The booster's probabilities for `rows`, singles looked up in `singles` (masked per row)."""
    X = builder.rows(
        [(o.kind, o.order, o.mixins) for o in rows],
        singles,
        {i: mask(o) for i, o in enumerate(rows)},
    )
    return np.asarray(booster.predict(X), dtype=np.float64)


def holdout_metrics(
    catalog: Catalog, outcomes: list[CompositionOutcome], seed: int = 0
) -> dict[str, Any]:
    """One grouped split (20 % of pairs held out, all kinds and orders): the artifact metrics."""
    pairs = sorted({o.mixins for o in outcomes if len(o.mixins) == 2})
    if len(pairs) < 10:
        return {"note": "too few measured pairs for a held-out split"}
    rng = np.random.default_rng(seed)
    test_pairs = {pairs[i] for i in rng.permutation(len(pairs))[: max(1, len(pairs) // 5)]}
    train = [o for o in outcomes if o.mixins not in test_pairs]
    test = [o for o in outcomes if o.mixins in test_pairs and o.weight == 1.0]  # measured only
    if not test:
        return {"note": "no measured pairs held out"}
    builder = FeatureBuilder(catalog)
    singles = singles_from(outcomes)
    p = predict_rows(builder, fit(builder, train, singles), test, singles)
    s = Scores.of(np.asarray([o.label for o in test], dtype=np.float64), p)
    return {"split": "held-out pairs (grouped, 20 %)", **asdict(s)}


# when to train ---------------------------------------------------------------------------------
def require_trainable(data: list[CompositionOutcome]) -> None:
    """Raise Conflict unless there are enough usable outcomes (of both classes) to train on."""
    usable = [o for o in data if len(o.mixins) <= 2]
    if len(usable) < MIN_TRAIN_OUTCOMES or len({o.label for o in usable}) < 2:
        raise Conflict(
            f"not enough measured outcomes to train ({len(usable)}; need "
            f"{MIN_TRAIN_OUTCOMES} with both classes): run `make mixin-sweep` first",
            outcomes=len(usable),
        )


def trained_at(art: ModelArtifact | None) -> datetime | None:
    """When `art` was trained (None without a model or without the timestamp)."""
    if art is None or "trained_at" not in art.meta:
        return None
    return datetime.fromisoformat(str(art.meta["trained_at"]).replace("Z", "+00:00"))


def log_training_failure(task: asyncio.Task[ModelArtifact]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.warning("mixin model training failed: %r", exc)
