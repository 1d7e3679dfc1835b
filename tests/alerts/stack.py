"""A real Prometheus and Alertmanager (Debian's binaries) next to the service run by uvicorn,
each a subprocess on a free 127.0.0.1 port with its own temporary storage, stopped by the
ExitStack it was started on."""

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

PROMETHEUS = shutil.which("prometheus")
ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(
    stack: ExitStack,
    name: str,
    args: list[str],
    health: str,
    logs: Path,
    budget: float,
    env: dict[str, str] | None = None,
) -> None:
    """Start `args` (output in logs/<name>.log) and wait until `health` answers 200."""
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env={**os.environ, **(env or {})}
        )
    stack.callback(_stop, proc)
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(health, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{name} not up after {budget} s:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def uvicorn_args(port: int) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip


def prometheus_args(config: Path, storage: Path, port: int) -> list[str]:
    assert PROMETHEUS is not None
    return [
        PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={storage}",
        f"--web.listen-address=127.0.0.1:{port}", "--rules.alert.resend-delay=1s",
    ]  # fmt: skip


def alertmanager_args(config: Path, storage: Path, port: int) -> list[str]:
    assert ALERTMANAGER is not None
    return [
        ALERTMANAGER, f"--config.file={config}", f"--storage.path={storage}",
        f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
    ]  # fmt: skip
