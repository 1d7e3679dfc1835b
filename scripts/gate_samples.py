# ruff: noqa: ASYNC221  (a CLI report: prints a table, runs tools one after another)
"""Render every sample PRD and judge the output three ways; print one table.

For each PRD in /work/shared/prds (skipped if absent): analyse -> render -> archive, unzip to a
temp dir, then run our Verifier, the independent gate (`onex_gate.py` in its own clean venv),
`ruff check` and `mypy --strict` on the unzipped project.

usage: .venv/bin/python scripts/gate_samples.py [--prds DIR] [--keep DIR] [--no-gate]
"""

import argparse
import asyncio
import hashlib
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.analysis.service import analyse  # noqa: E402
from app.generation.archive import build_archive  # noqa: E402
from app.generation.render import render_project  # noqa: E402
from app.generation.template_cache import build_environment  # noqa: E402
from app.verification.verifier import Verifier  # noqa: E402
from tests.shared import SHARED_DIR as SHARED  # noqa: E402

VENV_BIN = ROOT / ".venv" / "bin"


def _gate_python() -> str | None:
    script = SHARED / "tools" / "gate-venv.sh"
    if not script.exists():
        return None
    out = subprocess.run([str(script)], capture_output=True, text=True, check=False)
    venv = out.stdout.strip()
    return f"{venv}/bin/python" if venv else None


def _run(cmd: list[str], cwd: Path) -> tuple[bool, str]:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    return proc.returncode == 0, (lines[-1] if lines else "")


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prds", type=Path, default=SHARED / "prds")
    parser.add_argument("--keep", type=Path, default=None, help="unzip here instead of a temp dir")
    parser.add_argument("--no-gate", action="store_true")
    args = parser.parse_args()
    prds = sorted(p for p in args.prds.glob("*.md") if p.name != "README.md")
    if not prds:
        print(f"no PRDs in {args.prds}; skipping")
        return 0
    gate = None if args.no_gate else _gate_python()
    env = build_environment()
    verifier = Verifier(workers=2)
    started = time.perf_counter()
    await verifier.start()
    print(f"verifier warm start: {(time.perf_counter() - started) * 1000:.0f} ms")
    rows: list[list[str]] = []
    verify_ms: list[float] = []
    all_ok = True
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="gate_samples_"))
    try:
        for prd in prds:
            text = prd.read_text(encoding="utf-8")
            t0 = time.perf_counter()
            plan = analyse(text)
            t1 = time.perf_counter()
            files = render_project(
                env,
                plan,
                prd_sha256=hashlib.sha256(text.encode()).hexdigest(),
                generator_version="0.1.0",
            )
            blob = build_archive(files, root=plan.project_name)
            t2 = time.perf_counter()
            dest = workdir / prd.stem
            zipfile.ZipFile(io.BytesIO(blob)).extractall(dest)
            project = dest / plan.project_name
            t3 = time.perf_counter()
            reports = await verifier.verify_project(project, plan)
            t4 = time.perf_counter()
            verify_ms.append((t4 - t3) * 1000)
            ours = all(r.ok for r in reports)
            failed = [f"{r.package}:{c.name}" for r in reports for c in r.checks if not c.ok]
            gate_verdict = "skipped"
            if gate:
                proc = subprocess.run(
                    [gate, str(SHARED / "tools" / "onex_gate.py"), str(project)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                try:
                    gate_ok = json.loads(proc.stdout.strip().splitlines()[-1])["ok"]
                except (ValueError, IndexError, KeyError):
                    gate_ok = False
                gate_verdict = "PASS" if gate_ok else "FAIL"
                all_ok &= gate_ok
            ruff_ok, ruff_tail = _run([str(VENV_BIN / "ruff"), "check", "-q", "."], project)
            mypy_ok, mypy_tail = _run(
                [str(VENV_BIN / "mypy"), "--strict", plan.project_name], project
            )
            all_ok &= ours and ruff_ok and mypy_ok
            kinds = Counter(n.kind[0] for n in plan.nodes)
            rows.append(
                [
                    prd.stem[:34],
                    " ".join(f"{k}{v}" for k, v in sorted(kinds.items())),
                    "PASS" if ours else "FAIL " + ",".join(failed)[:60],
                    gate_verdict,
                    "ok" if ruff_ok else ruff_tail[:30],
                    "ok" if mypy_ok else mypy_tail[:40],
                    f"{(t1 - t0) * 1000:.0f}/{(t2 - t1) * 1000:.0f}/{(t4 - t3) * 1000:.0f}",
                ]
            )
    finally:
        await verifier.close()
    header = ["PRD", "nodes", "ours", "gate", "ruff", "mypy", "ms analyse/render/verify"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    print(
        f"verify ms: median {statistics.median(verify_ms):.0f}, max {max(verify_ms):.0f}; "
        f"output in {workdir}"
    )
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
