"""The generated code is our product: over the sample PRDs (and our own fixtures) every archive
passes the independent ONEX gate, `ruff check` and `mypy --strict`, exactly as a platform team's
CI would run them on the unzipped archive."""

import asyncio
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app.analysis.plan import Plan
from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.generation.archive import build_archive
from app.generation.pipeline import Pipeline
from app.generation.render import render_project
from app.generation.template_cache import build_environment
from app.migrations import upgrade
from app.mixins.service import MixinService
from tests.shared import SAMPLE_PRDS

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GATE = SAMPLE_PRDS.parent / "tools"
OWN_FIXTURES = [
    Path(__file__).parent / "fixtures" / "order_service.md",
    Path(__file__).parent / "fixtures" / "unit_converter.md",
    ROOT / "tests" / "analysis" / "fixtures" / "hostile.md",
]


def _prds() -> list[Path]:
    samples = sorted(SAMPLE_PRDS.glob("[0-9]*.md")) if SAMPLE_PRDS.is_dir() else []
    return samples + [p for p in OWN_FIXTURES if p.exists()]


async def _plans(prds: list[Path], workdir: Path) -> list[Plan]:
    """Plans as the service makes them: analysis plus oracle-confirmed mixins."""
    settings = Settings()
    settings.database.url = f"sqlite+aiosqlite:///{workdir / 'mixins.db'}"
    settings.mixins.model_path = workdir / "model"
    await asyncio.to_thread(upgrade, settings.database.url)
    engine = create_engine(settings.database)
    runtime = await MixinService.create(settings, create_sessionmaker(engine))
    try:
        pipeline = Pipeline(templates=build_environment(), verifier=None, advisor=runtime)
        return [await pipeline.plan(p.read_text(), project_name=None) for p in prds]
    finally:
        await runtime.close()
        await engine.dispose()


@pytest.fixture(scope="module")
def unzipped(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every PRD generated, zipped and unzipped again the way a user does."""
    env = build_environment()
    roots: dict[str, Path] = {}
    prds = _prds()
    plans = asyncio.run(_plans(prds, tmp_path_factory.mktemp("plans")))
    for prd_path, plan in zip(prds, plans, strict=True):
        if not plan.nodes:
            continue
        digest = hashlib.sha256(prd_path.read_bytes()).hexdigest()
        files = render_project(env, plan, prd_sha256=digest, generator_version="test")
        target = tmp_path_factory.mktemp(prd_path.stem)
        zipfile.ZipFile(io.BytesIO(build_archive(files, root=plan.project_name))).extractall(target)
        roots[prd_path.stem] = target / plan.project_name
    return roots


def test_mixins_are_composed_into_node_classes(unzipped: dict[str, Path]) -> None:
    with_mixins = [
        path
        for root in unzipped.values()
        for path in root.rglob("node.py")
        if "from omnibase_core.mixins" in path.read_text()
    ]
    assert with_mixins, "no generated node composes a mixin"


def test_every_prd_generates(unzipped: dict[str, Path]) -> None:
    assert len(unzipped) == len(_prds())


def test_ruff_reports_nothing(unzipped: dict[str, Path]) -> None:
    result = subprocess.run(
        [str(BIN / "ruff"), "check", "--no-cache", *map(str, unzipped.values())],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_mypy_strict_reports_nothing(
    unzipped: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    cache = tmp_path_factory.mktemp("mypy-cache")  # shared: omnibase-core is analysed once
    failures = {}
    for name, root in unzipped.items():
        result = subprocess.run(
            [str(BIN / "mypy"), "--strict", "--cache-dir", str(cache), "."],
            cwd=root,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            failures[name] = result.stdout[-1500:]
    assert not failures, json.dumps(failures, indent=1)


@pytest.mark.skipif(not (GATE / "onex_gate.py").exists(), reason="independent gate not present")
def test_independent_gate_passes(unzipped: dict[str, Path]) -> None:
    venv = subprocess.run(
        ["bash", str(GATE / "gate-venv.sh")], capture_output=True, text=True, check=True
    ).stdout.strip()
    failures = {}
    for name, root in unzipped.items():
        result = subprocess.run(
            [f"{venv}/bin/python", str(GATE / "onex_gate.py"), str(root)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        report = json.loads(result.stdout.strip().splitlines()[-1])
        if not report["ok"]:
            failures[name] = [p for p in report["packages"] if not p["ok"]] or report["pytest"]
    assert not failures, json.dumps(failures, indent=1)[:4000]
