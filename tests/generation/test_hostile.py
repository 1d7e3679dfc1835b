"""Hostile PRDs end to end over HTTP: valid packages or a clear 4xx, never broken code or a 500."""

import ast
from pathlib import Path

from httpx import AsyncClient

from tests.analysis.fixtures.generator import large_prd
from tests.test_errors import assert_error_shape

HOSTILE = Path(__file__).resolve().parents[1] / "analysis" / "fixtures" / "hostile.md"


async def test_hostile_prd_generates_verified_packages(client: AsyncClient) -> None:
    response = await client.post("/generate", json={"prd": HOSTILE.read_text()})
    assert response.status_code == 201, response.text[:3000]
    body = response.json()
    assert body["status"] == "succeeded"
    assert body["project_name"].isidentifier()
    for node in body["nodes"]:
        assert node["verification"]["ok"], node["verification"]
        assert node["name"].isidentifier() and node["class_name"].isidentifier()
        for path, content in node["files"].items():
            assert ".." not in path.split("/") and not path.startswith("/")
            if path.endswith(".py"):
                ast.parse(content)


SOFT_KEYWORD_PRD = """# Tournament

## Requirements
- The system must store a Match with its home team, away team and score.
- The system must update the Match score when a goal is reported.
- The system must send an email to both teams when a Match is finished.
- Match status: scheduled, live, finished.
"""


async def test_entity_named_after_a_soft_keyword_generates_verified_packages(
    client: AsyncClient,
) -> None:
    response = await client.post("/generate", json={"prd": SOFT_KEYWORD_PRD})
    assert response.status_code == 201, response.text[:2000]
    nodes = response.json()["nodes"]
    assert nodes and all(node["verification"]["ok"] for node in nodes)
    assert all("__" not in node["name"] for node in nodes)


async def test_hostile_project_name_is_sanitised(client: AsyncClient) -> None:
    response = await client.post(
        "/generate/plan",
        json={"prd": HOSTILE.read_text(), "project_name": "../../etc/{{x}} class"},
    )
    assert response.status_code == 200
    name = response.json()["project_name"]
    assert name.isidentifier() and "/" not in name


async def test_ten_thousand_requirements_get_a_clear_answer(client: AsyncClient) -> None:
    prd = large_prd(10_000)
    response = await client.post(
        "/generate", content=prd.encode(), headers={"Content-Type": "text/markdown"}
    )
    assert response.status_code == 413  # 10k requirements is ~700 KiB: over the PRD limit
    assert_error_shape(response.json(), "prd_too_large")


async def test_many_requirements_within_the_limit_generate(client: AsyncClient) -> None:
    prd = large_prd(2_500)
    response = await client.post("/generate/plan", json={"prd": prd})
    assert response.status_code == 200
    assert len(response.json()["requirements"]) == 2_500
