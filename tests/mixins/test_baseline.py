"""The checked-in baseline seeds a fresh install, and still agrees with the oracle."""

import asyncio
import json
import random
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from app.config import Settings
from app.main import create_app
from app.migrations import upgrade
from app.mixins.catalog import framework_version
from app.mixins.repo import outcomes_file

BASELINE = Path(Settings().mixins.baseline_path)


def _rows() -> list[dict[str, object]]:
    path = outcomes_file(BASELINE, framework_version())
    if not path.is_file():
        pytest.skip("no baseline for the installed omnibase-core (run `make mixin-sweep`)")
    rows: list[dict[str, object]] = json.loads(path.read_text())
    return rows


def _sample(count: int) -> list[dict[str, object]]:
    rows = _rows()
    passing = [r for r in rows if r["success"]]
    failing = [r for r in rows if not r["success"]]
    rng = random.Random(7)
    return rng.sample(passing, count // 2) + rng.sample(failing, count // 2)


async def test_fresh_install_is_seeded_and_agrees_with_the_oracle(tmp_path: Path) -> None:
    settings = Settings()
    settings.database.url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    settings.mixins.model_path = tmp_path / "model"
    await asyncio.to_thread(upgrade, settings.database.url)
    sample = _sample(24)
    async with LifespanManager(create_app(settings), startup_timeout=120) as manager:
        transport = ASGITransport(app=manager.app)
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            summary = (await client.get("/mixins/compatibility")).json()
            assert sum(r["combinations"] for r in summary["by_kind"]) >= len(_rows())
            assert (await client.get("/mixins/model")).json()["loaded"] is True
            for row in sample:
                query = {"node_kind": row["kind"], "order": row["order"], "mixins": row["mixins"]}
                answer = (await client.post("/mixins/predict", json=query)).json()
                assert answer["source"] == "measured"
                assert answer["compatible"] is (row["success"] > 0)
            runtime = manager._state["mixins"]
            for _ in range(200):
                if runtime.oracle is not None:
                    break
                await asyncio.sleep(0.05)
            assert runtime.oracle is not None
            queries = [(r["kind"], r["order"], tuple(r["mixins"])) for r in sample]
            measured = await runtime.oracle.measure(queries, use_cache=False)
            for row, now in zip(sample, measured, strict=True):
                assert now.ok is (row["success"] > 0), (row, now.stage, now.error)
