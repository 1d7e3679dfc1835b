"""`make bench-liveness`: how fast /health/live answers while the costliest hostile PRDs are
being analysed, over real HTTP against a real uvicorn on 127.0.0.1.

The N costliest inputs of tests/analysis/pathological.py (each at most 256 KiB) are posted to
/generate/plan at once, ROUNDS times, while /health/live is polled every 20 ms. Prints each
plan answer's status and time, and the liveness latencies (p50, p99, max).
"""

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from scripts.bench_generate import free_port, percentile, start_server, wait_ready  # noqa: E402
from tests.analysis.pathological import corpus  # noqa: E402

WORST = ("headings_deep", "bold_labels_many", "list_items_max", "status_lines_many")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


async def measure(base: str) -> None:
    texts = corpus()
    live: list[float] = []
    done = asyncio.Event()

    # Clients are made before measuring: making one (its TLS context) blocks this process's
    # loop for tens of ms, which would be counted as the service's latency.
    poller_http = httpx.AsyncClient(base_url=base, timeout=10)
    planner_http = httpx.AsyncClient(base_url=base, timeout=60)

    async def poll() -> None:
        while not done.is_set():
            started = time.perf_counter()
            assert (await poller_http.get("/health/live")).status_code == 200
            live.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.02)

    async def plan(name: str) -> str:
        started = time.perf_counter()
        response = await planner_http.post(
            "/generate/plan", content=texts[name], headers={"Content-Type": "text/markdown"}
        )
        elapsed = (time.perf_counter() - started) * 1000
        size = len(texts[name].encode()) // 1024
        return f"{name} ({size} KiB): {response.status_code} in {elapsed:.0f} ms"

    poller = asyncio.create_task(poll())
    for round_ in range(ROUNDS):
        seen = len(live)
        answers = await asyncio.gather(*(plan(name) for name in WORST))
        slowest = max(live[seen:], default=0.0)
        print(f"round {round_ + 1} (slowest /health/live {slowest:.1f} ms):", *answers, sep="\n  ")
    done.set()
    await poller
    await poller_http.aclose()
    await planner_http.aclose()
    print(
        f"/health/live while they ran: n={len(live)} p50={percentile(live, 50):.1f} ms "
        f"p99={percentile(live, 99):.1f} ms max={max(live):.1f} ms"
    )


def main() -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as workdir:
        server = start_server(Path(workdir), port)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base)
            asyncio.run(measure(base))
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
