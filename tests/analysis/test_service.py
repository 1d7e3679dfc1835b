import contextlib
import random
import time
from pathlib import Path

import pytest

from app.analysis.errors import EmptyPrd, NoRequirementsFound
from app.analysis.service import analyse
from tests.analysis.conftest import FIXTURES, fixture_text
from tests.analysis.fixtures.generator import large_prd
from tests.analysis.invariants import assert_valid_plan

ALL_FIXTURES = sorted(p.name for p in FIXTURES.iterdir() if p.suffix in (".md", ".txt"))


@pytest.mark.parametrize("text", ["", "   \n\t  "])
def test_empty_prd_is_rejected(text: str) -> None:
    with pytest.raises(EmptyPrd) as info:
        analyse(text)
    assert info.value.status_code == 422 and info.value.code == "empty_prd"


def test_prd_without_requirements_is_rejected() -> None:
    with pytest.raises(NoRequirementsFound) as info:
        analyse("# Notes\n\nJust some thoughts about the weather today.\n\n```\ncode only\n```\n")
    assert info.value.status_code == 422 and info.value.code == "no_requirements"


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_fixture_plans_are_valid_and_deterministic(name: str) -> None:
    text = fixture_text(name)
    first = analyse(text)
    assert_valid_plan(first)
    assert analyse(text).model_dump_json() == first.model_dump_json()


def test_hostile_prd_is_sanitised() -> None:
    plan = analyse(fixture_text("hostile.md"))
    assert_valid_plan(plan)
    dumped = [plan.project_name, *(n.name for n in plan.nodes), *(n.class_name for n in plan.nodes)]
    dumped += [op.name for n in plan.nodes for op in n.operations]
    dumped += [f.name for e in plan.entities for f in e.fields]
    for name in dumped:
        assert "{" not in name and "%" not in name and "." not in name and "/" not in name
    fields = {f.name for e in plan.entities for f in e.fields}
    assert {"class_", "import_", "field_model_config", "copy_", "json_", "private"} <= fields
    assert "ClassEntity" in {e.name for e in plan.entities}
    # free text is kept verbatim, for the renderer to escape
    assert any("{{ self }}" in r.text for r in plan.requirements)


def test_project_name_from_caller_is_sanitised_and_title_is_fallback() -> None:
    text = fixture_text("converter.md")
    assert analyse(text).project_name == "unit_converter_library"
    assert analyse(text, project_name="1st Class! ../x").project_name == "n1st_class_x"
    assert analyse(text, project_name="import").project_name == "import_"
    assert analyse(text, project_name="🚀").project_name == "unit_converter_library"
    assert analyse(fixture_text("table_ids.md")).project_name == "invoice_service"
    assert analyse(fixture_text("plain_numbered.txt")).project_name == "parking_meter"
    assert analyse(fixture_text("ears_alerts.md")).project_name == "alert_router"


def test_ten_thousand_requirements() -> None:
    text = large_prd(10_000)
    start = time.process_time()  # CPU time: a complexity guard, not a speed target
    plan = analyse(text)
    elapsed = time.process_time() - start
    assert len(plan.requirements) == 10_000
    assert plan.requirements[0].id == "FR-00001" and plan.requirements[-1].id == "FR-10000"
    assert {d.kind for d in plan.kinds} >= {"EFFECT", "COMPUTE", "REDUCER"}
    assert all(len(n.operations) <= 8 for n in plan.nodes)
    assert_valid_plan(plan)
    assert elapsed < 3.0, elapsed


def test_typical_prd_is_fast() -> None:
    text = fixture_text("approval_workflow.md")
    analyse(text)
    start = time.perf_counter()
    for _ in range(20):
        analyse(text + "\n")
    assert (time.perf_counter() - start) / 20 < 0.05


def test_pathological_input_does_not_hang() -> None:
    text = "- " + "a " * 20_000 + "\n" + "|" * 5000 + "\n" + "#" * 3000 + "\n" + "**" * 4000 + "\n"
    text += "status: " + ", ".join(f"s{i}" for i in range(3000)) + "\n" + "→ " * 4000
    start = time.perf_counter()
    with contextlib.suppress(NoRequirementsFound):
        analyse(text)
    assert time.perf_counter() - start < 2.0


def test_files_are_not_read_from_prd_paths(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    plan = analyse(
        f"## Requirements\n\n- The system must store {secret} and send email.\n- Save it.\n"
    )
    assert "TOP-SECRET" not in plan.model_dump_json()


_PIECES = [
    "# {w}\n",
    "## {w} Requirements\n",
    "### Out of Scope\n",
    "- The system must {v} the {w} record.\n",
    "1. {w} then {v} it\n",
    "| ID | Description |\n|---|---|\n| FR-{n} | {v} {w} |\n",
    "```python\nclass {w}:\n    {w}: int\n```\n",
    "- **{w}**: Contains {w}, {w}, and {w}.\n",
    "Status: {w}, {w}, {w}\n",
    "WHEN {w} THEN the system SHALL {v} {w}\n",
    "- [ ] {v} {w} 🚀\n",
    "\n",
]
_WORDS = ["class", "import", "{{ x }}", "{% y %}", '"""', "../../etc", "Ünï", "def", "None", "a-b"]
_VERBS = ["store", "calculate", "aggregate", "orchestrate", "send", "parse", "track"]


@pytest.mark.parametrize("seed", range(40))
def test_random_documents_give_valid_plans_or_domain_errors(seed: int) -> None:
    rng = random.Random(seed)
    parts = []
    for n in range(rng.randint(1, 25)):
        piece = rng.choice(_PIECES)
        parts.append(piece.format(w=rng.choice(_WORDS), v=rng.choice(_VERBS), n=n))
    text = "".join(parts)
    try:
        plan = analyse(text)
    except (EmptyPrd, NoRequirementsFound):
        return
    assert_valid_plan(plan)
    assert analyse(text) == plan
