"""Where the team's shared folder (sample PRDs, the independent gate) is: `CODEGEN_SHARED_DIR`,
else `../shared` beside the project, else `/work/shared`. Users of it skip when it is absent."""

import os
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]


def _find() -> Path:
    candidates = [os.environ.get("CODEGEN_SHARED_DIR", ""), _ROOT.parent / "shared", "/work/shared"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "prds").is_dir():
            return Path(candidate)
    return _ROOT.parent / "shared"


SHARED_DIR = _find()
SAMPLE_PRDS = SHARED_DIR / "prds"
