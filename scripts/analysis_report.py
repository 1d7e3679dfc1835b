"""Print, per sample PRD, what the analyser finds and how it compares with the expected kinds.

Usage: .venv/bin/python scripts/analysis_report.py [PRD_DIR]  (default: ../shared/prds)
Expectations come from the README table of that folder ("EFFECT, ORCHESTRATOR?": ? = optional).
"""

import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from app.analysis.service import analyse  # noqa: E402
from tests.shared import SAMPLE_PRDS  # noqa: E402

KINDS = ("EFFECT", "COMPUTE", "REDUCER", "ORCHESTRATOR")


def emit(line: str) -> None:
    sys.stdout.write(line + "\n")


def expectations(folder: Path) -> dict[str, tuple[set[str], set[str]]]:
    """file name -> (must-have kinds, optional kinds) from the README table."""
    out: dict[str, tuple[set[str], set[str]]] = {}
    for line in (folder / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 5 or not cells[0].startswith("`0"):
            continue
        spec = cells[-1]
        must = {k for k in KINDS if re.search(rf"\b{k}\b(?!\?)", spec)}
        optional = {k for k in KINDS if re.search(rf"\b{k}\?", spec)}
        out[cells[0].strip("`")] = (must, optional)
    return out


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLE_PRDS
    if not folder.is_dir():
        emit(f"no PRD folder at {folder}")
        return 1
    expected = expectations(folder)
    total_must = total_found = total_extra = 0
    for path in sorted(folder.glob("*.md")):
        if path.name == "README.md":
            continue
        text = path.read_text(encoding="utf-8")
        start = time.perf_counter()
        plan = analyse(text)
        ms = (time.perf_counter() - start) * 1000
        chosen = {d.kind for d in plan.kinds}
        must, optional = expected.get(path.name, (set(), set()))
        found = must & chosen
        extras = chosen - must - optional
        total_must += len(must)
        total_found += len(found)
        total_extra += len(extras)
        recall = len(found) / len(must) if must else 1.0
        emit(f"== {path.name}  ({len(plan.requirements)} requirements, {ms:.1f} ms)")
        emit(f"   project={plan.project_name} title={plan.title!r}")
        for decision in plan.kinds:
            ids = ", ".join(decision.requirement_ids[:8])
            more = "..." if len(decision.requirement_ids) > 8 else ""
            emit(f"   {decision.kind:12} score={decision.score:5.1f}  [{ids}{more}]")
        missing = sorted(must - chosen)
        emit(f"   recall={recall:.0%} missing={missing or '-'} extras={sorted(extras) or '-'}")
        emit(f"   nodes={[n.class_name for n in plan.nodes]}")
    overall = total_found / total_must if total_must else 1.0
    emit(f"\nOVERALL recall={overall:.0%} ({total_found}/{total_must}) extras={total_extra}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
