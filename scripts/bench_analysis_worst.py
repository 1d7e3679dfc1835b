"""Worst-case analysis time: each pathological PRD (tests/analysis/pathological.py), the samples.

Each pathological input runs in its own subprocess with a time cap (default 30 s), so a runaway
input is reported as ">30 s" instead of blocking the run. The samples report ms per 10 KB.

    .venv/bin/python scripts/bench_analysis_worst.py [--cap 30] [--only NAME ...] [--jobs 1]
"""

import argparse
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.analysis.pathological import BUILDERS  # noqa: E402
from tests.shared import SAMPLE_PRDS  # noqa: E402

_CHILD = """
import sys, time
from app.analysis.service import analyse
from app.errors import InvalidInput
from tests.analysis.pathological import BUILDERS
text = BUILDERS[sys.argv[1]]()
start = time.perf_counter()
try:
    analyse(text)
    outcome = "plan"
except InvalidInput as exc:
    outcome = type(exc).__name__
print(len(text.encode()), time.perf_counter() - start, outcome)
"""


def _one(name: str, cap: float) -> tuple[str, str, str, str]:
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, name],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=cap,
        )
    except subprocess.TimeoutExpired:
        return name, "?", f">{cap:g} s", "timeout"
    if done.returncode != 0:
        return name, "?", "error", done.stderr.strip().splitlines()[-1][:60]
    size, seconds, outcome = done.stdout.split()
    return name, size, f"{float(seconds) * 1000:.1f} ms", outcome


def _samples() -> None:
    from app.analysis.service import analyse

    paths = sorted(SAMPLE_PRDS.glob("[0-9]*.md"))
    if not paths:
        print(f"\nno sample PRDs in {SAMPLE_PRDS}")
        return
    total_bytes, total_seconds = 0, 0.0
    print(f"\n{'sample PRD':48} {'bytes':>8} {'ms':>8} {'ms/10KB':>8}")
    for path in paths:
        text = path.read_text(encoding="utf-8")
        analyse(text)  # warm caches and imports once, like a running service
        runs = 5
        start = time.perf_counter()
        for _ in range(runs):
            analyse(text)
        seconds = (time.perf_counter() - start) / runs
        size = len(text.encode())
        total_bytes += size
        total_seconds += seconds
        print(f"{path.name:48} {size:8} {seconds * 1000:8.1f} {seconds * 1000 / size * 10240:8.2f}")
    mean = total_seconds * 1000 / total_bytes * 10240
    print(f"{'all samples':48} {total_bytes:8} {total_seconds * 1000:8.1f} {mean:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=float, default=30.0, help="seconds per pathological input")
    parser.add_argument("--only", nargs="*", default=[], help="names of inputs to run")
    parser.add_argument("--jobs", type=int, default=1, help="inputs run at the same time")
    parser.add_argument("--no-samples", action="store_true")
    args = parser.parse_args()
    names = args.only or list(BUILDERS)
    print(f"{'pathological input':32} {'bytes':>8} {'time':>12}  outcome")
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for name, size, took, outcome in pool.map(lambda n: _one(n, args.cap), names):
            print(f"{name:32} {size:>8} {took:>12}  {outcome}", flush=True)
    if not args.no_samples:
        _samples()


if __name__ == "__main__":
    main()
