"""Publishing the checked-in baseline (`make mixin-sweep`): the catalog, the model and the measured
outcomes of a sweep, so a fresh install answers from measurements without sweeping first."""

import json
import shutil
from pathlib import Path

from app.config import PROJECT_ROOT
from app.mixins.catalog import Catalog
from app.mixins.learner import CompositionOutcome, ModelArtifact, save
from app.mixins.repo import outcomes_file


def publish(
    baseline_path: Path,
    catalog: Catalog,
    artifact: ModelArtifact,
    outcomes: list[tuple[CompositionOutcome, str | None, str | None]],
) -> Path:
    """Replace the baseline with this sweep's catalog, model and outcomes."""
    folder = baseline_path if baseline_path.is_absolute() else PROJECT_ROOT / baseline_path
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
