"""Cold verification baseline for `scripts/bench_generate.py`: no warm fork server.

usage: .venv/bin/python scripts/cold_verify.py < my-prd.md

`verify_first_package(prd_text)` analyses and renders the PRD, writes the project to a
temporary directory and runs the same checks as the sandbox task on its first package, in
the calling (fresh) interpreter, so every framework import and first-use cost is paid.
"""

import hashlib
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.analysis.service import analyse  # noqa: E402
from app.generation.render import render_project  # noqa: E402
from app.generation.template_cache import build_environment  # noqa: E402
from app.verification.checks import verify_package  # noqa: E402
from app.verification.verifier import package_payload  # noqa: E402


def verify_first_package(prd_text: str) -> dict[str, Any]:
    """Verify the first node package of the PRD's project; raises if it does not pass."""
    plan = analyse(prd_text)
    files = render_project(
        build_environment(),
        plan,
        prd_sha256=hashlib.sha256(prd_text.encode()).hexdigest(),
        generator_version="cold-baseline",
    )
    with tempfile.TemporaryDirectory(prefix="codegen-cold-") as tmp:
        root = Path(tmp)
        for relative, content in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        sys.dont_write_bytecode = True
        result = verify_package(package_payload(root, plan, plan.nodes[0]))
    if not result["ok"]:
        failed = [c for c in result["checks"] if not c["ok"]]
        raise RuntimeError(f"cold verification failed: {failed}")
    return result


if __name__ == "__main__":
    verify_first_package(sys.stdin.read())
