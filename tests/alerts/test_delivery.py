"""Alert delivery with real parts: the service under uvicorn (keys mode, a throwaway SQLite
database migrated by Alembic), a real Prometheus scraping it every second and evaluating a
rule every second, a real Alertmanager routing to POST /alerts/webhook with the admin key as
Bearer. The test makes the rule fire through the API (404s on GET /generations/{id}), sees the
alert arrive at GET /alerts, then sees it resolved once the 404s stop.

Runs once (no database fixture), not per backend. Skips only when the binaries are missing;
scripts/run-tests.sh installs them (Debian's prometheus and prometheus-alertmanager).
"""

import asyncio
import logging
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from app.auth import keys
from app.config import DatabaseSettings
from app.db import create_engine, create_sessionmaker
from app.migrations import upgrade
from app.models_registry import import_all
from tests.alerts.stack import (
    ALERTMANAGER,
    PROMETHEUS,
    alertmanager_args,
    free_port,
    prometheus_args,
    start,
    uvicorn_args,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        PROMETHEUS is None or ALERTMANAGER is None,
        reason="prometheus or alertmanager not installed (apt-get install prometheus "
        "prometheus-alertmanager; scripts/run-tests.sh does)",
    ),
]
log = logging.getLogger(__name__)
RULE = "DeliveryTestNotFound"
NOT_FOUND = 'codegen_http_requests_total{handler="/generations/{generation_id}",status="404"}'


async def _admin_key(url: str) -> str:
    engine = create_engine(DatabaseSettings(url=url))
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            _, token = await keys.create(session, "alertmanager", ["admin"])
    finally:
        await engine.dispose()
    return token


def _configs(tmp: Path, service: int, alertmanager: int, key_file: Path) -> tuple[Path, Path]:
    rules = {
        "groups": [
            {
                "name": "delivery-test",
                "interval": "1s",
                "rules": [
                    {
                        "alert": RULE,
                        "expr": f"sum(increase({NOT_FOUND}[10s])) > 0",
                        "for": "0s",
                        "labels": {"severity": "warning", "family": "delivery_test"},
                        "annotations": {
                            "summary": "GET /generations/{id} answered 404",
                            "runbook": "nothing to do: the delivery test caused it",
                        },
                    }
                ],
            }
        ]
    }
    prometheus = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(tmp / "rules.yml"), str(Path("deploy/alerts.yml").resolve())],
        "alerting": {
            "alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{alertmanager}"]}]}]
        },
        "scrape_configs": [
            {"job_name": "onex-codegen", "static_configs": [{"targets": [f"127.0.0.1:{service}"]}]}
        ],
    }
    # the deployed routing (deploy/alertmanager.yml), with test timings and this service's URL
    am: dict[str, Any] = yaml.safe_load(Path("deploy/alertmanager.yml").read_text())
    am["route"].update(group_wait="1s", group_interval="1s", routes=[])
    [receiver] = am["receivers"]
    [hook] = receiver["webhook_configs"]
    hook["url"] = f"http://127.0.0.1:{service}/alerts/webhook"
    hook["http_config"]["authorization"]["credentials_file"] = str(key_file)
    (tmp / "rules.yml").write_text(yaml.safe_dump(rules))
    (tmp / "prometheus.yml").write_text(yaml.safe_dump(prometheus))
    (tmp / "alertmanager.yml").write_text(yaml.safe_dump(am))
    return tmp / "prometheus.yml", tmp / "alertmanager.yml"


def _poll(http: httpx.Client, state: str, budget: float) -> dict[str, Any]:
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        response = http.get("/alerts", params={"state": state})
        assert response.status_code == 200, response.text
        mine = [a for a in response.json()["items"] if a["alertname"] == RULE]
        if mine:
            found: dict[str, Any] = mine[0]
            return found
        time.sleep(0.5)
    raise AssertionError(f"no {state} {RULE} at GET /alerts within {budget} s")


def test_a_rule_that_fires_is_delivered_to_get_alerts(tmp_path: Path) -> None:
    import_all()
    url = f"sqlite+aiosqlite:///{tmp_path / 'codegen.db'}"
    upgrade(url)
    key = asyncio.run(_admin_key(url))
    key_file = tmp_path / "api-key"
    key_file.write_text(key)
    service, prom, am = free_port(), free_port(), free_port()
    prom_config, am_config = _configs(tmp_path, service, am, key_file)
    (tmp_path / "empty").mkdir()
    env = {
        "CODEGEN_DATABASE__URL": url,
        "CODEGEN_AUTH__MODE": "keys",
        "CODEGEN_MIXINS__MODEL_PATH": str(tmp_path / "model"),
        "CODEGEN_MIXINS__BASELINE_PATH": str(tmp_path / "empty"),
        "CODEGEN_VERIFICATION__WORKERS": "1",
    }
    with ExitStack() as stack:
        base = f"http://127.0.0.1:{service}"
        start(stack, "service", uvicorn_args(service), f"{base}/health/live", tmp_path, 240, env)
        http = stack.enter_context(
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=10)
        )
        # the counter exists (at 1) before the first scrape, so the next 404 is an increase
        assert http.get("/generations/no-such-id").status_code == 404
        start(
            stack, "alertmanager", alertmanager_args(am_config, tmp_path / "am", am),
            f"http://127.0.0.1:{am}/-/ready", tmp_path, 30,
        )  # fmt: skip
        start(
            stack, "prometheus", prometheus_args(prom_config, tmp_path / "tsdb", prom),
            f"http://127.0.0.1:{prom}/-/ready", tmp_path, 30,
        )  # fmt: skip
        _scraped(f"http://127.0.0.1:{prom}", f"sum({NOT_FOUND})", 1.0, 30)  # the baseline
        assert _alerts_named(http, "all") == []
        caused = time.monotonic()
        assert http.get("/generations/still-no-such-id").status_code == 404
        firing = _poll(http, "firing", 60)
        arrived = time.monotonic() - caused
        assert firing["status"] == "firing" and firing["severity"] == "warning"
        assert firing["labels"]["family"] == "delivery_test"
        assert firing["annotations"]["summary"] == "GET /generations/{id} answered 404"
        assert firing["generator_url"].startswith("http://") and firing["ends_at"] is None
        # no more 404s: increase()[10s] drops to 0, Prometheus resolves, Alertmanager says so
        resolved = _poll(http, "resolved", 60)
        assert resolved["fingerprint"] == firing["fingerprint"]
        assert resolved["ends_at"] is not None and resolved["notifications"] >= 2
        assert _alerts_named(http, "firing") == []
        log.info("firing alert at GET /alerts %.1f s after the 404", arrived)


def _scraped(prometheus: str, query: str, value: float, budget: float) -> None:
    """Wait until Prometheus has scraped `query` at `value` (its first scrape comes after
    /-/ready, at a random offset within the interval)."""
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        answer = httpx.get(f"{prometheus}/api/v1/query", params={"query": query}, timeout=5)
        result = answer.json()["data"]["result"]
        if result and float(result[0]["value"][1]) == value:
            return
        time.sleep(0.2)
    raise AssertionError(f"Prometheus has no {query} == {value} after {budget} s")


def _alerts_named(http: httpx.Client, state: str) -> list[dict[str, Any]]:
    response = http.get("/alerts", params={"state": state})
    assert response.status_code == 200, response.text
    return [a for a in response.json()["items"] if a["alertname"] == RULE]
