"""Calibration against the shared sample PRDs (skipped when the folder is absent)."""

import re
from pathlib import Path

import pytest

from app.analysis.service import analyse
from tests.analysis.conftest import SAMPLE_PRDS
from tests.analysis.invariants import assert_valid_plan

KINDS = ("EFFECT", "COMPUTE", "REDUCER", "ORCHESTRATOR")
pytestmark = pytest.mark.skipif(not (SAMPLE_PRDS / "README.md").is_file(), reason="no sample PRDs")


def _expectations() -> dict[str, tuple[set[str], set[str]]]:
    if not (SAMPLE_PRDS / "README.md").is_file():
        return {}
    out: dict[str, tuple[set[str], set[str]]] = {}
    for line in (SAMPLE_PRDS / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and cells[0].startswith("`0"):
            must = {k for k in KINDS if re.search(rf"\b{k}\b(?!\?)", cells[-1])}
            optional = {k for k in KINDS if re.search(rf"\b{k}\?", cells[-1])}
            out[cells[0].strip("`")] = (must, optional)
    return out


EXPECTED = _expectations()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_kinds_match_expectations(name: str) -> None:
    must, optional = EXPECTED[name]
    plan = analyse((SAMPLE_PRDS / name).read_text(encoding="utf-8"))
    chosen = {d.kind for d in plan.kinds}
    assert must <= chosen, f"missing {must - chosen}"
    assert not chosen - must - optional, f"not expected {chosen - must - optional}"
    assert_valid_plan(plan)
    assert plan.requirements


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_analysis_is_deterministic(name: str) -> None:
    text = (SAMPLE_PRDS / name).read_text(encoding="utf-8")
    assert analyse(text) == analyse(text)


def test_all_samples_have_expectations() -> None:
    files = {p.name for p in Path(SAMPLE_PRDS).glob("*.md")} - {"README.md"}
    assert files and files == set(EXPECTED)
