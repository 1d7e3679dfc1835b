"""LightGBM on measured outcomes: training with random masking, versioned artifact, loading."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt

from app.config import PROJECT_ROOT
from app.mixins.catalog import Catalog
from app.mixins.features import COLUMNS, FeatureBuilder, SinglesTable

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
class Outcome:
    kind: str
    order: str
    mixins: tuple[str, ...]
    success: int
    failure: int

    @property
    def label(self) -> int:
        return int(self.success > self.failure)

    @property
    def rate(self) -> float:
        return self.success / max(1, self.success + self.failure)


def singles_from(outcomes: list[Outcome]) -> SinglesTable:
    return SinglesTable(
        {(o.kind, o.order, o.mixins[0]): o.rate for o in outcomes if len(o.mixins) == 1}
    )


def data_hash(outcomes: list[Outcome]) -> str:
    h = hashlib.sha256()
    for o in sorted(outcomes, key=lambda o: (o.kind, o.order, o.mixins)):
        h.update(f"{o.kind}|{o.order}|{'+'.join(o.mixins)}|{o.success}|{o.failure}\n".encode())
    return h.hexdigest()[:16]


def training_matrix(
    builder: FeatureBuilder, outcomes: list[Outcome], singles: SinglesTable, seed: int = 0
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


def fit(
    builder: FeatureBuilder, outcomes: list[Outcome], singles: SinglesTable | None = None
) -> lgb.Booster:
    X, y = training_matrix(
        builder, outcomes, singles if singles is not None else singles_from(outcomes)
    )
    ds = lgb.Dataset(X, y, feature_name=COLUMNS, free_raw_data=True)
    return lgb.train(PARAMS, ds, num_boost_round=ROUNDS)


@dataclass
class Artifact:
    booster: lgb.Booster
    meta: dict[str, Any]

    @property
    def version(self) -> str:
        return str(self.meta["model_version"])


def model_dir(path: Path) -> Path:
    return path if path.is_absolute() else PROJECT_ROOT / path


def train_artifact(
    catalog: Catalog, outcomes: list[Outcome], metrics: dict[str, Any] | None = None
) -> Artifact:
    from app.mixins.evaluation import holdout_metrics  # evaluation imports this module

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
    return Artifact(booster, meta)


def save(art: Artifact, path: Path) -> Path:
    d = model_dir(path)
    d.mkdir(parents=True, exist_ok=True)
    target = d / f"model-{art.version}"
    target.mkdir(exist_ok=True)
    art.booster.save_model(str(target / "model.txt"))
    (target / "meta.json").write_text(json.dumps(art.meta, indent=1, sort_keys=True))
    tmp = d / "CURRENT.tmp"
    tmp.write_text(target.name)
    tmp.replace(d / "CURRENT")
    return target


def load(path: Path) -> Artifact | None:
    d = model_dir(path)
    cur = d / "CURRENT"
    if not cur.is_file():
        return None
    target = d / cur.read_text().strip()
    meta = json.loads((target / "meta.json").read_text())
    if meta.get("columns") != COLUMNS:
        return None  # feature layout changed: the artifact is unusable, retrain
    return Artifact(lgb.Booster(model_file=str(target / "model.txt")), meta)
