"""`make load`: mixed traffic from 50 clients against a real uvicorn on 127.0.0.1, then faults.

Phases (each bounded in time; LOAD_SECONDS sets the steady one, default 60):
1. steady: LOAD_CLIENTS (50) clients on mixed endpoints (generate with verification, plan,
   listings, reads, health, mixin catalogue and model).
2. kill -9: the same load (LOAD_FAULT_SECONDS, default 45); a quarter of the way in, the
   server's whole process group is killed with SIGKILL and started again.
3. PostgreSQL restart: the same load; a quarter of the way in, the cluster is restarted.

Printed per phase: responses by status, errors (anything but 2xx/304, the deliberate 503/429s
and transport errors while the server is known to be down), p50/p95/p99 per endpoint, the
/health/ready answers seen during and after the fault, and the server family's RSS. At the end,
every generation the service acknowledged with 201 is looked up in the database: an accepted
write that is missing is lost. The database is a throwaway PostgreSQL one, dropped at the end.
"""

import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from scripts.bench_generate import free_port, percentile, wait_ready  # noqa: E402
from tests.shared import SAMPLE_PRDS  # noqa: E402

CLIENTS = int(os.environ.get("LOAD_CLIENTS", "50"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
FAULT_SECONDS = float(os.environ.get("LOAD_FAULT_SECONDS", "45"))
PG = os.environ.get("LOAD_PG", "127.0.0.1:5432")
PG_CLUSTER = os.environ.get("LOAD_PG_CLUSTER", "15 main")
DELIBERATE = {429, 503}
AFTER_S = 15.0  # load and health polls go on at least this long after a fault is over
LOG = ROOT / "var" / "load-server.log"  # the server's log lines (errors and warnings)


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    accepted: set[str] = field(default_factory=set)
    outage_transport_errors: int = 0
    health: list[tuple[float, int]] = field(default_factory=list)
    recovery_s: float | None = None
    seconds: float = 0.0


class Server:
    def __init__(self, database_url: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(
            os.environ,
            CODEGEN_DATABASE__URL=database_url,
            CODEGEN_LOG__LEVEL="WARNING",
            # one address sends everything: per-address limits would refuse almost all of it
            CODEGEN_AUTH__GENERATE_RATE=os.environ.get("LOAD_GENERATE_RATE", "100000/minute"),
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.down = False

    def start(self) -> None:
        command = [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app"]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--no-access-log"]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=LOG.open("ab"),
        )
        wait_ready(self.base)
        self.down = False

    def kill9(self) -> None:
        assert self.process is not None
        self.down = True
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)

    def rss_mb(self) -> float:
        assert self.process is not None
        proc = psutil.Process(self.process.pid)
        total = 0
        for member in (proc, *proc.children(recursive=True)):
            with contextlib.suppress(psutil.Error):
                total += member.memory_info().rss
        return total / 2**20


def _requests(prds: list[str], ids: list[str]) -> list[tuple[str, str, str, dict[str, object]]]:
    """(label, method, path, json) choices, weighted by repetition."""
    prd = random.choice(prds)
    some_id = random.choice(ids) if ids else "0" * 32
    return [
        ("POST /generate", "POST", "/generate", {"prd": prd}),
        ("POST /generate", "POST", "/generate", {"prd": prd}),
        ("POST /generate/plan", "POST", "/generate/plan", {"prd": prd}),
        ("POST /generate/plan", "POST", "/generate/plan", {"prd": prd}),
        ("GET /generations", "GET", "/generations?limit=20", {}),
        ("GET /generations/{id}", "GET", f"/generations/{some_id}", {}),
        ("GET /generations/{id}", "GET", f"/generations/{some_id}", {}),
        ("GET /health", "GET", "/health", {}),
        ("GET /mixins", "GET", "/mixins", {}),
        ("GET /mixins/model", "GET", "/mixins/model", {}),
    ]


async def client_loop(server: Server, tally: Tally, prds: list[str], end: list[float]) -> None:
    ids: list[str] = []
    async with httpx.AsyncClient(base_url=server.base, timeout=60) as http:
        while time.perf_counter() < end[0]:
            label, method, path, body = random.choice(_requests(prds, ids))
            started = time.perf_counter()
            try:
                response = await http.request(method, path, json=body or None)
            except httpx.TransportError as exc:
                if server.down:
                    tally.outage_transport_errors += 1
                    await asyncio.sleep(0.2)
                else:
                    tally.errors.append(f"{label}: {type(exc).__name__}")
                continue
            tally.latencies[label].append((time.perf_counter() - started) * 1000)
            tally.statuses[response.status_code] += 1
            status = response.status_code
            if status == 201 and path == "/generate":
                tally.accepted.add(response.json()["id"])
                ids.append(response.json()["id"])
            if _is_error(status, label):
                tally.errors.append(f"{label}: {status} {response.text[:160]}")


def _is_error(status: int, label: str) -> bool:
    """Anything but success, a deliberate refusal, or a 404 for an id not stored yet."""
    if status < 400 or status in DELIBERATE:
        return False
    return not (status == 404 and label == "GET /generations/{id}")


async def health_poller(server: Server, tally: Tally, end: list[float]) -> None:
    async with httpx.AsyncClient(base_url=server.base, timeout=2) as http:
        while time.perf_counter() < end[0]:
            try:
                status = (await http.get("/health/ready")).status_code
            except httpx.TransportError:
                status = 0
            tally.health.append((time.perf_counter(), status))
            await asyncio.sleep(0.5)


async def phase(server: Server, seconds: float, fault: str | None) -> Tally:
    tally = Tally()
    prds = [p.read_text(encoding="utf-8") for p in sorted(SAMPLE_PRDS.glob("*.md"))][:6]
    started = time.perf_counter()
    end = [started + seconds]  # a deadline the fault may push back
    tasks = [asyncio.create_task(client_loop(server, tally, prds, end)) for _ in range(CLIENTS)]
    tasks.append(asyncio.create_task(health_poller(server, tally, end)))
    if fault is not None:
        await asyncio.sleep(seconds / 4)
        faulted = time.perf_counter()
        tally.health.append((faulted, -1))  # marks the fault
        if fault == "kill -9":
            server.kill9()
            await asyncio.to_thread(server.start)
        else:
            await asyncio.to_thread(
                subprocess.run,
                ["pg_ctlcluster", "--skip-systemctl-redirect", *PG_CLUSTER.split(), "restart"],
                check=True,
            )
        recovered = time.perf_counter()
        tally.health.append((recovered, -2))  # marks the recovery
        tally.recovery_s = recovered - faulted
        end[0] = max(end[0], recovered + AFTER_S)  # load goes on for a while after recovery
    await asyncio.gather(*tasks)
    tally.seconds = time.perf_counter() - started
    return tally


def report(name: str, tally: Tally, seconds: float, rss: tuple[float, float]) -> None:
    total = sum(tally.statuses.values())
    print(
        f"\n== {name}: {CLIENTS} clients, {seconds:.0f} s, {total} responses "
        f"({total / seconds:.1f}/s)"
    )
    print("   statuses:", dict(sorted(tally.statuses.items())))
    print(
        f"   errors: {len(tally.errors)}", *sorted(Counter(tally.errors).items())[:8], sep="\n     "
    )
    if tally.outage_transport_errors:
        print(f"   refused connections while the server was down: {tally.outage_transport_errors}")
    for label, values in sorted(tally.latencies.items()):
        print(
            f"   {label:24} n={len(values):5} p50={percentile(values, 50):7.0f} ms "
            f"p95={percentile(values, 95):7.0f} ms p99={percentile(values, 99):7.0f} ms"
        )
    everything = [v for values in tally.latencies.values() for v in values]
    if everything:
        print(f"   all endpoints p99={percentile(everything, 99):.0f} ms")
    marks = [when for when, status in tally.health if status < 0]
    polls = [(when, status) for when, status in tally.health if status >= 0]
    if marks:
        print(f"   back after {tally.recovery_s:.1f} s (restart, until ready)")
        # "during": from the fault until 2 s after the service came back (a pool reconnects)
        during = [s for when, s in polls if marks[0] <= when <= marks[-1] + 2]
        after = [s for when, s in polls if when > marks[-1] + 2]
        print(f"   /health/ready during the fault: {_counts(during)}")
        print(f"   /health/ready after it: {_counts(after)}  (0 = no answer)")
    else:
        print(f"   /health/ready: {_counts([s for _, s in polls])}")
    print(
        f"   RSS of the server family: {rss[0]:.0f} MB -> {rss[1]:.0f} MB "
        f"({rss[1] - rss[0]:+.0f} MB)"
    )


def _counts(statuses: list[int]) -> dict[int, int]:
    return dict(sorted(Counter(statuses).items()))


def stored_ids(database: str) -> set[str]:
    host, port = PG.split(":")
    out = subprocess.run(
        [
            "psql",
            "-h",
            host,
            "-p",
            port,
            "-U",
            "postgres",
            "-d",
            database,
            "-Atc",
            "SELECT id FROM generations",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return set(out.split())


def main() -> None:
    host, port = PG.split(":")
    database = f"codegen_load_{os.getpid()}"
    psql = ["psql", "-h", host, "-p", port, "-U", "postgres", "-qc"]
    subprocess.run([*psql, f"CREATE DATABASE {database}"], check=True)
    url = f"postgresql+asyncpg://postgres@{PG}/{database}"
    server = Server(url)
    subprocess.run([sys.executable, "-m", "app.migrations"], cwd=ROOT, env=server.env, check=True)
    accepted: set[str] = set()
    try:
        server.start()
        for name, seconds, fault in (
            ("steady", SECONDS, None),
            ("kill -9 mid-load", FAULT_SECONDS, "kill -9"),
            ("PostgreSQL restart mid-load", FAULT_SECONDS, "pg restart"),
        ):
            before = server.rss_mb()
            tally = asyncio.run(phase(server, seconds, fault))
            report(name, tally, tally.seconds, (before, server.rss_mb()))
            accepted |= tally.accepted
        lost = accepted - stored_ids(database)
        print(
            f"\n== accepted writes (201 from /generate): {len(accepted)}; "
            f"missing from the database: {len(lost)}"
        )
    finally:
        server.stop()
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], check=False)
    if lost:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
