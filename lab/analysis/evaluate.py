"""`make analysis-eval`: score the PRD analysis against the answer keys, per set.

Usage: python -m lab.analysis.evaluate [--details] [--json FILE]
Prints, for samples, tuning and validation separately: kind recall and unwarranted-kind rate,
lifecycle recall and share of spurious machines, transition precision and recall (machines whose
transitions the key knows), flow recall and share of spurious flows, external-system recall.
Skips, and says so, when the shared folder with the documents is absent.
"""

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from app.analysis.plan import Plan
from app.analysis.service import analyse
from app.errors import AppError
from lab.analysis.corpus import SETS, Labelled, load, shared_dir
from lab.analysis.scoring import score

# (label, numerator, denominator): every figure is a ratio of summed counts over the set
FIGURES = (
    ("kind recall", "kind_found", "kind_required"),
    ("unwarranted kinds", "kind_unwarranted", "kind_absent"),
    ("lifecycle recall", "lifecycle_found", "lifecycle_key"),
    ("spurious machines", "machines_spurious", "machines"),
    ("transition precision", "edges_correct", "edges_produced"),
    ("transition recall", "edges_correct", "edges_key"),
    ("flow recall", "flow_found", "flow_key"),
    ("spurious flows", "flows_spurious", "flows"),
    ("external recall", "external_found", "external_key"),
)


def say(line: str) -> None:
    sys.stdout.write(line + "\n")


def plan_for(item: Labelled) -> Plan | None:
    """The analysis of one document; None when the service would refuse it (a 4xx)."""
    try:
        return analyse(item.document.read_text(encoding="utf-8"))
    except AppError:
        return None


def ratio(counts: Counter[str], top: str, bottom: str) -> str:
    if not counts[bottom]:
        return "   n/a (0/0)"
    return f"{counts[top] / counts[bottom]:6.2f} ({counts[top]}/{counts[bottom]})"


def report(per_set: dict[str, Counter[str]], sizes: Counter[str]) -> list[str]:
    lines = [f"{'':22}" + "".join(f"{name + f' ({sizes[name]})':>20}" for name in SETS)]
    for label, top, bottom in FIGURES:
        cells = "".join(f"{ratio(per_set[name], top, bottom):>20}" for name in SETS)
        lines.append(f"{label:22}{cells}")
    unknown = "".join(f"{per_set[name]['edges_on_unknown']:>20}" for name in SETS)
    lines.append(f"{'edges on open machines':22}{unknown}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--details", action="store_true", help="one line of counts per document")
    parser.add_argument("--json", type=Path, help="also write every document's counts here")
    args = parser.parse_args(argv)
    shared = shared_dir()
    if shared is None:
        say("analysis-eval: shared folder not found (CODEGEN_SHARED_DIR): skipped")
        return 0
    per_set: dict[str, Counter[str]] = {name: Counter() for name in SETS}
    sizes: Counter[str] = Counter()
    rows: dict[str, dict[str, int]] = {}
    for item in load(shared):
        counts = score(item.key, plan_for(item))
        per_set[item.set_name].update(counts)
        sizes[item.set_name] += 1
        rows[item.stem] = dict(counts)
        if args.details:
            shown = " ".join(f"{k}={v}" for k, v in sorted(counts.items()) if v)
            say(f"{item.set_name:10} {item.stem:52} {shown}")
    say("\n".join(report(per_set, sizes)))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, sort_keys=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
