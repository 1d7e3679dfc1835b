"""Retrained model folders are bounded: `save(..., keep=N)` leaves the newest N, never the
active one, and the active model still loads."""

import os
from dataclasses import replace
from pathlib import Path

from app.config import PROJECT_ROOT
from app.mixins.learner import ModelArtifact, load, prune_models, save

BASELINE = PROJECT_ROOT / "app/mixins/baseline"


def _artifact(n: int) -> ModelArtifact:
    base = load(BASELINE)
    assert base is not None
    return replace(base, meta={**base.meta, "model_version": f"2026010100000{n}-run{n:02d}"})


def _folders(path: Path) -> list[str]:
    return sorted(p.name for p in path.glob("model-*"))


def test_eight_saves_keep_the_newest_five_and_the_active_one_loads(tmp_path: Path) -> None:
    path = tmp_path / "mixin_model"
    for n in range(8):
        save(_artifact(n), path, keep=5)
    assert _folders(path) == [f"model-2026010100000{n}-run{n:02d}" for n in range(3, 8)]
    assert (path / "CURRENT").read_text() == "model-20260101000007-run07"
    loaded = load(path)
    assert loaded is not None
    assert loaded.version == "20260101000007-run07"


def test_the_active_model_is_never_pruned_even_when_oldest(tmp_path: Path) -> None:
    path = tmp_path / "mixin_model"
    for n in range(4):
        target = save(_artifact(n), path)
        os.utime(target, ns=(n * 10**9, n * 10**9))  # folder write times in save order
    (path / "CURRENT").write_text("model-20260101000000-run00")  # rolled back to the oldest
    removed = prune_models(path, keep=2)
    assert sorted(removed) == ["model-20260101000001-run01"]
    assert _folders(path) == [
        "model-20260101000000-run00",
        "model-20260101000002-run02",
        "model-20260101000003-run03",
    ]
    assert load(path) is not None


def test_without_keep_nothing_is_pruned(tmp_path: Path) -> None:
    path = tmp_path / "mixin_model"
    for n in range(3):
        save(_artifact(n), path)
    assert len(_folders(path)) == 3
    assert prune_models(tmp_path / "absent", keep=1) == []
