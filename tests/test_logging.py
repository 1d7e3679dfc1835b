"""A real uvicorn process: every output line is JSON with a correlation id, and a request's id
appears in that request's log lines."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.migrations import upgrade

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_every_line_is_json_with_correlation_id(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'log.db'}"
    upgrade(url)
    port = _free_port()
    env = dict(os.environ, CODEGEN_DATABASE__URL=url, CODEGEN_LOG__LEVEL="DEBUG")
    command = [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app"]
    command += ["--port", str(port), "--host", "127.0.0.1"]
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):  # first start seeds the mixin baseline: allow a minute
            try:
                if httpx.get(f"{base}/health/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        traced = httpx.get(f"{base}/no-such-page", headers={"X-Request-ID": "trace-log-1"})
        assert traced.headers["x-request-id"] == "trace-log-1"
        generated = httpx.get(f"{base}/health/live").headers["x-request-id"]
        prd = (ROOT / "tests" / "generation" / "fixtures" / "order_service.md").read_text()
        made = httpx.post(f"{base}/generate", json={"prd": prd}, timeout=60)
        assert made.status_code == 201, made.text[:500]
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=20)
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines, "the server printed nothing"
    records = [json.loads(line) for line in lines]
    for record in records:
        assert {"timestamp", "level", "logger", "message", "correlation_id"} <= record.keys()
        assert record["correlation_id"]
    access = [r for r in records if r["logger"] == "uvicorn.access"]
    assert any(r["correlation_id"] == "trace-log-1" for r in access)
    assert any(r["correlation_id"] == generated for r in access)
    assert any(r["correlation_id"] == made.headers["x-request-id"] for r in access)
