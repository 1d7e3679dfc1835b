"""Verifier end to end: render a plan, write it out, verify it in the real sandbox."""

from pathlib import Path

import pytest

from app.analysis.plan import Plan
from app.generation.render import render_project
from app.generation.template_cache import build_environment
from app.verification.verifier import Verifier
from tests.verification import sample_plans as sp

ENV = build_environment()


def write(plan: Plan, root: Path) -> Path:
    files = render_project(ENV, plan, prd_sha256="0" * 64, generator_version="test")
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
async def verifier():  # type: ignore[no-untyped-def]
    v = Verifier(workers=2, package_timeout_s=10.0)
    await v.start()
    yield v
    await v.close()


@pytest.mark.parametrize("factory", [sp.all_kinds_plan, sp.hostile_plan, sp.fold_only_reducer_plan])
async def test_every_kind_renders_and_verifies(verifier, tmp_path, factory) -> None:  # type: ignore[no-untyped-def]
    plan = factory()
    reports = await verifier.verify_project(write(plan, tmp_path), plan)
    assert [r.kind for r in reports] == [n.kind for n in plan.nodes]
    for report in reports:
        failed = [(c.name, c.detail) for c in report.checks if not c.ok]
        assert report.ok, (report.package, failed)
        names = [c.name for c in report.checks]
        assert names == [
            "contract",
            "import",
            "node_class",
            "instantiate",
            "operations",
            "unknown_operation",
            "cleanup",
            "tests",
        ]


async def test_tampered_node_is_reported_failed(verifier, tmp_path) -> None:  # type: ignore[no-untyped-def]
    plan = sp.all_kinds_plan()
    root = write(plan, tmp_path)
    node_py = root / "expense_portal/nodes/expense_totals_compute/node.py"
    node_py.write_text(
        node_py.read_text().replace(
            "handler = self._handlers.get(input_data.computation_type)",
            "handler = None",
        )
    )
    second = root / "expense_portal/nodes/bank_payment_effect/node.py"
    second.write_text(second.read_text() + "\n\nclass NodeExtra(NodeEffect):\n    pass\n")
    reports = {r.package.rsplit("/", 1)[-1]: r for r in await verifier.verify_project(root, plan)}
    compute = reports["expense_totals_compute"]
    assert not compute.ok
    assert {c.name: c.ok for c in compute.checks}["operations"] is False
    effect = reports["bank_payment_effect"]
    assert not effect.ok and "2 node classes" in effect.checks[-1].detail
    assert reports["expense_approval_reducer"].ok


async def test_broken_contract_and_failing_tests_are_reported(verifier, tmp_path) -> None:  # type: ignore[no-untyped-def]
    plan = sp.all_kinds_plan()
    root = write(plan, tmp_path)
    contract = root / "expense_portal/nodes/expense_workflow_orchestrator/contract.yaml"
    contract.write_text(contract.read_text().replace("contract_version", "version"))
    test_file = (
        root
        / "expense_portal/nodes/expense_approval_reducer/tests/test_expense_approval_reducer.py"
    )
    test_file.write_text(
        test_file.read_text() + "\n\ndef test_sabotage() -> None:\n    assert 1 == 2\n"
    )
    reports = {r.package.rsplit("/", 1)[-1]: r for r in await verifier.verify_project(root, plan)}
    orchestrator = reports["expense_workflow_orchestrator"]
    assert not orchestrator.ok and orchestrator.checks[0].name == "contract"
    reducer = reports["expense_approval_reducer"]
    assert not reducer.ok and reducer.checks[-1].name == "tests"
    assert "test_sabotage" in reducer.checks[-1].detail


async def test_hanging_package_times_out_as_a_failed_report(tmp_path) -> None:  # type: ignore[no-untyped-def]
    plan = sp.all_kinds_plan()
    root = write(plan, tmp_path)
    node_py = root / "expense_portal/nodes/expense_totals_compute/node.py"
    node_py.write_text("while True:\n    pass\n" + node_py.read_text())
    verifier = Verifier(workers=2, package_timeout_s=1.0)
    await verifier.start()
    try:
        reports = await verifier.verify_project(root, plan)
    finally:
        await verifier.close()
    assert len(reports) == 4
    hung = reports[0]
    assert not hung.ok and hung.checks[0].name == "sandbox" and "timed out" in hung.checks[0].detail
    assert all(r.ok for r in reports[1:])
