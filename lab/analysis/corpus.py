"""The labelled evaluation corpus: answer keys in `key/`, documents in the team's shared folder.

Keys were written from each document's text before the analyser's output was looked at. The
split is fixed by document number, decided before labelling: the 40 corpus documents numbered
101-140 are TUNING when odd and VALIDATION when even; the 14 sample PRDs are their own set.
Tune only on the tuning half; the validation half is only ever scored.
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

ROOT = Path(__file__).resolve().parents[2]
KEY_DIR = Path(__file__).resolve().parent / "key"

SetName = Literal["samples", "tuning", "validation"]
SETS: tuple[SetName, ...] = ("samples", "tuning", "validation")


def shared_dir() -> Path | None:
    """`CODEGEN_SHARED_DIR`, else `../shared` beside the project, else `/work/shared`."""
    candidates = [os.environ.get("CODEGEN_SHARED_DIR", ""), str(ROOT.parent / "shared")]
    candidates.append("/work/shared")
    for candidate in candidates:
        if candidate and (Path(candidate) / "prds").is_dir():
            return Path(candidate)
    return None


@dataclass(frozen=True)
class Labelled:
    stem: str
    set_name: SetName
    document: Path
    key: dict[str, Any]


def set_of(stem: str) -> SetName:
    number = int(stem.split("_", 1)[0])
    if number < 100:
        return "samples"
    return "tuning" if number % 2 else "validation"


def load(shared: Path) -> list[Labelled]:
    """Every key whose document is present, sorted by file name."""
    out: list[Labelled] = []
    for path in sorted(KEY_DIR.glob("*.yaml")):
        key = yaml.safe_load(path.read_text(encoding="utf-8"))
        document = shared / key["document"]
        if document.is_file():
            out.append(Labelled(path.stem, set_of(path.stem), document, key))
    return out
