"""The checked-in baseline: the catalog, the model and the measured outcomes of the last
`make mixin-sweep`, so a fresh install answers from measurements without sweeping first."""

import json
import shutil
from pathlib import Path

from app.config import PROJECT_ROOT
from app.mixins.catalog import Catalog, framework_version, load_catalog
from app.mixins.model import Artifact, Outcome, load, save
from app.mixins.repo import Observation


def _dir(path: Path) -> Path:
    return path if path.is_absolute() else PROJECT_ROOT / path


def outcomes_file(path: Path, version: str) -> Path:
    return _dir(path) / f"outcomes-{version}.json"


def catalog_for(runtime_path: Path, baseline_path: Path) -> Catalog:
    """The runtime cache's catalog, else the baseline's, else a fresh discovery (~7 s)."""
    name = f"catalog-{framework_version()}.json"
    for folder in (_dir(runtime_path), _dir(baseline_path)):
        if (folder / name).is_file():
            return load_catalog(folder)
    return load_catalog(_dir(runtime_path))


def model_for(runtime_path: Path, baseline_path: Path) -> Artifact | None:
    """A model retrained at runtime wins over the shipped one."""
    return load(runtime_path) or load(_dir(baseline_path))


def seed_observations(baseline_path: Path, version: str) -> list[Observation]:
    """The baseline's measured outcomes, expanded back into observations."""
    path = outcomes_file(baseline_path, version)
    if not path.is_file():
        return []
    observations = []
    for row in json.loads(path.read_text()):
        base = (row["kind"], row["order"], tuple(row["mixins"]))
        for success, count in ((True, row["success"]), (False, row["failure"])):
            observations += [
                Observation(*base, success, row["stage"], row["error"]) for _ in range(count)
            ]
    return observations


def publish(
    baseline_path: Path,
    catalog: Catalog,
    artifact: Artifact,
    outcomes: list[tuple[Outcome, str | None, str | None]],
) -> Path:
    """Replace the baseline with this sweep's catalog, model and outcomes."""
    folder = _dir(baseline_path)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / f"catalog-{catalog.framework_version}.json").write_text(
        json.dumps(catalog.raw, sort_keys=True)
    )
    save(artifact, folder)
    rows = [
        {
            "kind": o.kind,
            "order": o.order,
            "mixins": list(o.mixins),
            "success": o.success,
            "failure": o.failure,
            "stage": stage,
            "error": error,
        }
        for o, stage, error in sorted(outcomes, key=lambda r: (r[0].kind, r[0].order, r[0].mixins))
        if len(o.mixins) <= 2  # what the sweep measures; ad-hoc feedback stays local
    ]
    outcomes_file(folder, catalog.framework_version).write_text(json.dumps(rows, indent=0))
    return folder
