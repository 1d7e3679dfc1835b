"""POST /generate and the stored generations, over HTTP with the app's lifespan."""

import hashlib
import io
import json
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient

from app.generation.pipeline import Pipeline, PipelineResult
from tests.test_errors import assert_error_shape

FIXTURES = Path(__file__).parent / "fixtures"
ORDER_PRD = (FIXTURES / "order_service.md").read_text()
CONVERTER_PRD = (FIXTURES / "unit_converter.md").read_text()


async def test_generate_json_returns_verified_nodes(client: AsyncClient) -> None:
    response = await client.post("/generate", json={"prd": ORDER_PRD})
    assert response.status_code == 201, response.text[:2000]
    body = response.json()
    assert body["status"] == "succeeded"
    assert response.headers["x-generation-id"] == body["id"]
    assert response.headers["etag"] == f'"{body["archive_sha256"]}"'
    kinds = {node["kind"] for node in body["nodes"]}
    assert {"EFFECT", "COMPUTE", "REDUCER", "ORCHESTRATOR"} <= kinds
    for node in body["nodes"]:
        assert node["verification"]["ok"] is True
        assert "contract.yaml" in node["files"] and "node.py" in node["files"]
        compile(node["files"]["node.py"], "node.py", "exec")
    assert "pyproject.toml" in body["project_files"]
    assert "omnibase-core==0.47.57" in body["project_files"]["pyproject.toml"]


async def test_converter_gets_no_reducer_or_orchestrator(client: AsyncClient) -> None:
    response = await client.post(
        "/generate/plan", content=CONVERTER_PRD, headers={"Content-Type": "text/markdown"}
    )
    assert response.status_code == 200, response.text
    kinds = {decision["kind"] for decision in response.json()["kinds"]}
    assert "COMPUTE" in kinds
    assert not kinds & {"REDUCER", "ORCHESTRATOR"}


async def test_plan_lists_evidence_for_every_kind(client: AsyncClient) -> None:
    response = await client.post("/generate/plan", json={"prd": ORDER_PRD})
    assert response.status_code == 200
    body = response.json()
    ids = {r["id"] for r in body["requirements"]}
    assert {"FR-001", "FR-002", "FR-003"} <= ids
    for decision in body["kinds"]:
        assert decision["requirement_ids"] and decision["reasons"]
        assert set(decision["requirement_ids"]) <= ids


async def test_zip_is_deterministic_and_matches_stored_archive(client: AsyncClient) -> None:
    headers = {"Accept": "application/zip"}
    first = await client.post("/generate", json={"prd": ORDER_PRD}, headers=headers)
    second = await client.post("/generate", json={"prd": ORDER_PRD}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.headers["content-type"] == "application/zip"
    assert first.content == second.content
    assert first.headers["x-generation-id"] != second.headers["x-generation-id"]
    stored = await client.get(f"/generations/{first.headers['x-generation-id']}/archive")
    assert stored.content == first.content
    assert stored.headers["etag"] == f'"{hashlib.sha256(first.content).hexdigest()}"'
    again = await client.get(
        f"/generations/{first.headers['x-generation-id']}/archive",
        headers={"If-None-Match": stored.headers["etag"]},
    )
    assert again.status_code == 304
    names = zipfile.ZipFile(io.BytesIO(first.content)).namelist()
    assert all(not n.startswith("/") and ".." not in n.split("/") for n in names)
    manifest = next(n for n in names if n.endswith(".codegen/manifest.json"))
    data = json.loads(zipfile.ZipFile(io.BytesIO(first.content)).read(manifest))
    assert data["prd_sha256"] == hashlib.sha256(ORDER_PRD.encode()).hexdigest()


async def test_stored_generation_and_listing(client: AsyncClient) -> None:
    created = (await client.post("/generate", json={"prd": CONVERTER_PRD, "verify": False})).json()
    assert created["status"] == "unverified"
    fetched = await client.get(f"/generations/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json()["nodes"] == created["nodes"]
    await client.post("/generate", json={"prd": CONVERTER_PRD, "verify": False})
    page = (await client.get("/generations", params={"limit": 1})).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    rest = (await client.get("/generations", params={"limit": 1, "offset": 1})).json()
    assert rest["items"][0]["id"] != page["items"][0]["id"]


async def test_unknown_generation_is_404(client: AsyncClient) -> None:
    response = await client.get("/generations/0123456789abcdef")
    assert response.status_code == 404
    assert_error_shape(response.json(), "not_found")


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (b'{"prd": ', "application/json", 400, "malformed_json"),
        (b"<prd/>", "application/xml", 415, "unsupported_media_type"),
        (b'{"prd": "   \\n  "}', "application/json", 422, "invalid_input"),  # the schema's pattern
        (b'{"prd": 42}', "application/json", 422, "invalid_input"),
        (b'{"text": "x"}', "application/json", 422, "invalid_input"),
        (b"\xff\xfe bad bytes", "text/markdown", 422, "prd_not_utf8"),
        (b"hello there, nice weather", "text/plain", 422, "no_requirements"),
        (b"x" * (300 * 1024), "text/markdown", 413, "prd_too_large"),
        (b"x" * (2 * 1024 * 1024), "text/markdown", 413, "payload_too_large"),
    ],
)
async def test_bad_input_gets_clear_4xx(
    client: AsyncClient, content: bytes, content_type: str, status: int, code: str
) -> None:
    response = await client.post(
        "/generate", content=content, headers={"Content-Type": content_type}
    )
    assert response.status_code == status, response.text[:500]
    assert_error_shape(response.json(), code)
    assert (await client.get("/generations")).json()["total"] == 0


async def test_unacceptable_format_is_406(client: AsyncClient) -> None:
    response = await client.post(
        "/generate", json={"prd": ORDER_PRD}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 406
    assert_error_shape(response.json(), "not_acceptable")


async def test_json_field_errors_name_the_field(client: AsyncClient) -> None:
    response = await client.post("/generate", json={"prd": 42})
    body = response.json()
    assert response.status_code == 422
    assert_error_shape(body, "invalid_input")
    assert [e["loc"] for e in body["errors"]] == [["body", "prd"]]
    assert "body.prd" in body["detail"]


async def test_failed_verification_is_422_and_stored(
    client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service raises VerificationFailed; the client still gets the stored generation."""
    original = Pipeline.run

    async def one_package_fails(self: Pipeline, prd: str, **kwargs: Any) -> PipelineResult:
        result = await original(self, prd, **kwargs)
        assert result.reports
        result.reports[0] = result.reports[0].model_copy(update={"ok": False})
        return result

    monkeypatch.setattr(Pipeline, "run", one_package_fails)
    for accept in ("application/json", "application/zip"):
        response = await client.post(
            "/generate", json={"prd": CONVERTER_PRD}, headers={"Accept": accept}
        )
        assert response.status_code == 422, response.text[:500]
        body = response.json()
        assert_error_shape(body, "verification_failed")
        assert body["detail"].startswith("verification failed for: ")
        generation_id = body["generation_id"]
        assert response.headers["x-generation-id"] == generation_id
        assert response.headers["location"] == f"/generations/{generation_id}"
        assert body["generation"]["status"] == "failed"
        assert body["generation"]["nodes"][0]["verification"]["ok"] is False
        stored = await client.get(f"/generations/{generation_id}")
        assert stored.status_code == 200
        # created_at: SQLite gives the stored timestamp back without its zone (left alone here)
        read_back, reported = stored.json(), body["generation"]
        assert read_back.pop("created_at")[:26] == reported.pop("created_at")[:26]
        assert read_back == reported


async def test_datetimes_are_utc_aware_when_created_and_when_read(client: AsyncClient) -> None:
    created = await client.post("/generate", json={"prd": ORDER_PRD, "verify": False})
    assert created.status_code == 201, created.text[:500]
    stamp = created.json()["created_at"]
    read = (await client.get(f"/generations/{created.json()['id']}")).json()["created_at"]
    listed = (await client.get("/generations")).json()["items"][0]["created_at"]
    for value in (stamp, read, listed):
        parsed = datetime.fromisoformat(value)
        assert parsed.utcoffset() == timedelta(0), value
    assert datetime.fromisoformat(stamp) == datetime.fromisoformat(read)
