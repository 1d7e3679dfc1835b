"""A planted hostile *package*: generated code that, on import, reads /etc/shadow and the
service's database and phones home. Handed to the verifier directly (a test-only hook: the
project is rendered from a sample plan and one file is replaced, never through a PRD); its
report says what happened and the other packages of the project still verify."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.config import Settings
from app.sandbox import SandboxPolicy
from app.verification.verifier import Verifier
from tests.sandbox.test_hostile_packages import database_file  # noqa: F401 - a fixture
from tests.verification import sample_plans as sp
from tests.verification.test_verifier import write

PLANTED = """
import socket

_seen = {{}}
for _path in ("/etc/shadow", {db!r}):
    try:
        with open(_path) as _f:
            _seen[_path] = "READ " + _f.read(40)
    except OSError as _exc:
        _seen[_path] = type(_exc).__name__
try:
    socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
    _seen["network"] = "CONNECTED"
except OSError as _exc:
    _seen["network"] = _exc.strerror
raise RuntimeError(f"planted {{_seen}}")
"""


@pytest.fixture
async def verifier(database_file: Path) -> AsyncIterator[Verifier]:  # noqa: F811
    settings = Settings()
    settings.database.url = f"sqlite+aiosqlite:///{database_file}"
    v = Verifier(workers=1, package_timeout_s=20.0, policy=SandboxPolicy.from_settings(settings))
    await v.start()
    yield v
    await v.close()


async def test_a_hostile_package_is_stopped_and_reported(
    verifier: Verifier,
    tmp_path: Path,
    database_file: Path,  # noqa: F811
) -> None:
    plan = sp.all_kinds_plan()
    root = write(plan, tmp_path)
    root.chmod(0o755)
    node_py = root / "expense_portal/nodes/expense_totals_compute/node.py"
    node_py.write_text(node_py.read_text() + PLANTED.format(db=str(database_file)))
    reports = {r.package.rsplit("/", 1)[-1]: r for r in await verifier.verify_project(root, plan)}
    hostile = reports.pop("expense_totals_compute")
    assert not hostile.ok
    detail = {c.name: c.detail for c in hostile.checks}["import"]
    assert "'/etc/shadow': 'PermissionError'" in detail, detail
    assert f"'{database_file}': 'FileNotFoundError'" in detail, detail
    assert "'network': 'Network is unreachable'" in detail, detail
    assert "READ" not in detail and "CONNECTED" not in detail
    assert all(r.ok for r in reports.values()), reports  # the rest of the project verifies
    assert verifier.alive
