"""`make bench`: POST /generate over real HTTP against a real uvicorn, on the sample PRDs.

Prints p50/p95/p99 with and without verification per PRD, throughput under concurrency, peak RSS
of the service (its sandbox workers included), sequential vs parallel generation for
multi-node PRDs (the same pipeline with its node bound at 1, then at its default: sequential
renders, writes and verifies one node after another), and the cost of one cold
fresh-interpreter verification for comparison.
"""

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.shared import SAMPLE_PRDS as PRDS  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "20"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
SPEEDUP_ROUNDS = int(os.environ.get("BENCH_SPEEDUP_ROUNDS", "7"))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RssSampler(threading.Thread):
    """Samples the memory of the server and all its children (the sandbox workers).

    RSS every 50 ms: it counts the pages a forked child shares with its warm parent once per
    process. PSS every 500 ms (reading it walks every page table): shared pages are split
    between the processes sharing them, so the sum is the family's real footprint.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0
        self.peak_pss = 0
        self.running = True

    def run(self) -> None:
        tick = 0
        while self.running:
            try:
                procs = [self.process, *self.process.children(recursive=True)]
                self.peak = max(self.peak, sum(_safe(lambda p: p.memory_info().rss, procs)))
                if tick % 10 == 0:
                    pss = sum(_safe(lambda p: p.memory_full_info().pss, procs))
                    self.peak_pss = max(self.peak_pss, pss)
            except psutil.Error:
                pass
            tick += 1
            time.sleep(0.05)


def _safe(read: Callable[[psutil.Process], int], procs: list[psutil.Process]) -> list[int]:
    values = []
    for proc in procs:
        with contextlib.suppress(psutil.Error):  # a child may exit while we look
            values.append(read(proc))
    return values


def start_server(workdir: Path, port: int) -> subprocess.Popen[bytes]:
    url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    env = dict(os.environ, CODEGEN_DATABASE__URL=url, CODEGEN_LOG__LEVEL="WARNING")
    # the bench measures generation, not the per-address rate limit (auth.generate_rate)
    env.setdefault("CODEGEN_AUTH__GENERATE_RATE", "1000000/minute")
    subprocess.run([sys.executable, "-m", "app.migrations"], cwd=ROOT, env=env, check=True)
    command = [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app"]
    command += ["--port", str(port), "--no-access-log"]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def wait_ready(base: str) -> None:
    for _ in range(600):
        try:
            if httpx.get(f"{base}/health/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("server did not become ready")


def latency_ms(client: httpx.Client, prd: str, verify: bool) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.post("/generate", json={"prd": prd, "verify": verify})
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 201:
        raise SystemExit(f"/generate answered {response.status_code}: {response.text[:300]}")
    return elapsed, len(response.json()["nodes"])


async def throughput(base: str, prds: list[str], seconds: float) -> tuple[float, int]:
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(index: int) -> None:
        nonlocal done
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            i = index
            while time.perf_counter() < deadline:
                response = await client.post("/generate", json={"prd": prds[i % len(prds)]})
                if response.status_code == 201:
                    done += 1
                i += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(CONCURRENCY)))
    return done / (time.perf_counter() - started), done


async def sequential_vs_parallel(prds: dict[str, str]) -> list[tuple[str, int, float, float]]:
    from app.config import Settings
    from app.generation.runtime import build_pipeline, close_pipeline

    resources = await build_pipeline(Settings())
    pipeline = resources.pipeline
    rows = []
    try:
        for name, prd in prds.items():
            timings: dict[int, list[float]] = {1: [], 0: []}
            nodes = 0
            for _ in range(SPEEDUP_ROUNDS):
                for parallelism in (1, 0):
                    started = time.perf_counter()
                    result = await pipeline.run(
                        prd, project_name=None, verify=True, parallelism=parallelism or None
                    )
                    timings[parallelism].append((time.perf_counter() - started) * 1000)
                    nodes = len(result.plan.nodes)
            if nodes > 1:
                rows.append(
                    (name, nodes, statistics.median(timings[1]), statistics.median(timings[0]))
                )
    finally:
        await close_pipeline(resources)
    return rows


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def cpu_ceiling() -> float:
    """What 2 processes of pure Python arithmetic gain over 1 on this machine: the ceiling any
    parallel verification can reach here."""
    import multiprocessing

    work = 4_000_000
    started = time.perf_counter()
    _burn(work)
    _burn(work)
    sequential = time.perf_counter() - started
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_burn, [1000, 1000])
        started = time.perf_counter()
        pool.map(_burn, [work, work])
        parallel = time.perf_counter() - started
    return sequential / parallel


def cold_verification_ms(prd: str) -> float:
    """One package verified in a fresh interpreter (what a warm fork-server avoids)."""
    script = ROOT / "scripts" / "cold_verify.py"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(script)], input=prd.encode(), cwd=ROOT, check=True, capture_output=True
    )
    return (time.perf_counter() - started) * 1000


def main() -> None:
    if not PRDS.is_dir():
        raise SystemExit(f"sample PRDs not found at {PRDS}")
    samples = {p.name: p.read_text() for p in sorted(PRDS.glob("[0-9]*.md"))}
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(Path(tmp), port)
        sampler = RssSampler(server.pid)
        try:
            wait_ready(base)
            sampler.start()
            print(f"POST /generate over HTTP, {ROUNDS} rounds per PRD (ms)")
            print(
                f"{'PRD':44} {'nodes':>5} | {'verified p50':>12} {'p95':>7} {'p99':>7} | "
                f"{'unverified p50':>14} {'p95':>6} {'p99':>6}"
            )
            medians = []
            with httpx.Client(base_url=base, timeout=120) as client:
                for name, prd in samples.items():
                    latency_ms(client, prd, True)  # warm-up
                    verified = [latency_ms(client, prd, True) for _ in range(ROUNDS)]
                    plain = [latency_ms(client, prd, False) for _ in range(ROUNDS)]
                    v = [t for t, _ in verified]
                    u = [t for t, _ in plain]
                    medians.append((statistics.median(v), statistics.median(u), name))
                    print(
                        f"{name:44} {verified[0][1]:>5} | {percentile(v, 50):>12.1f} "
                        f"{percentile(v, 95):>7.1f} {percentile(v, 99):>7.1f} | "
                        f"{percentile(u, 50):>14.1f} {percentile(u, 95):>6.1f} "
                        f"{percentile(u, 99):>6.1f}"
                    )
            medians.sort()
            mid = medians[len(medians) // 2]
            print(
                f"\nmedian sample PRD ({mid[2]}): verified p50 {mid[0]:.1f} ms "
                f"(target <= 150), unverified p50 {mid[1]:.1f} ms (target <= 20)"
            )
            rate, count = asyncio.run(throughput(base, list(samples.values()), 15.0))
            print(
                f"\nthroughput, {CONCURRENCY} concurrent clients, verified: {rate:.1f} req/s "
                f"({count} generations in 15 s)"
            )
        finally:
            sampler.running = False
            server.terminate()
            server.wait(timeout=20)
        print(
            f"peak memory of the service incl. sandbox workers: RSS {sampler.peak / 2**20:.0f} "
            f"MiB (shared pages counted per process), PSS {sampler.peak_pss / 2**20:.0f} MiB"
        )
    print(
        f"\nsequential (one node at a time) vs parallel (nodes concurrently) generation with "
        f"verification, in-process, median of {SPEEDUP_ROUNDS} alternating runs"
    )
    rows = asyncio.run(sequential_vs_parallel(samples))
    for name, nodes, seq, par in rows:
        print(
            f"{name:44} {nodes:>2} nodes  sequential {seq:7.1f} ms  parallel {par:7.1f} ms  "
            f"speed-up {seq / par:4.2f}x"
        )
    ratios = [seq / par for _, _, seq, par in rows]
    together = sum(r[2] for r in rows) / sum(r[3] for r in rows)
    print(
        f"speed-up over {len(rows)} multi-node PRDs: median {statistics.median(ratios):.2f}x, "
        f"min {min(ratios):.2f}x, all together {together:.2f}x (target >= 1.6)"
    )
    print(f"(machine ceiling: two pure-CPU processes run {cpu_ceiling():.2f}x faster than one)")
    median_prd = samples[mid[2]]
    print(
        f"\ncold fresh-interpreter verification of one package: "
        f"{cold_verification_ms(median_prd):.0f} ms (vs warm fork above)"
    )


if __name__ == "__main__":
    main()
