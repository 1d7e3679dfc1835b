"""Health tells the truth when writes fail, and a failed write is a 503 `storage_unavailable`
(with Retry-After), never a 500. Real failures, no mocks: a SQLite file opened read-only, a
SQLite database on a tmpfs that fills up, and a PostgreSQL database whose transactions are
read-only by default."""

import asyncio
import contextlib
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.config import Settings
from app.main import create_app
from app.migrations import upgrade
from tests.conftest import POSTGRES_URL
from tests.test_errors import assert_error_shape

PRD = (Path(__file__).parents[1] / "generation/fixtures/unit_converter.md").read_text()


def _settings(url: str, tmp_path: Path, **database: object) -> Settings:
    settings = Settings()
    settings.database.url = url
    for key, value in database.items():
        setattr(settings.database, key, value)
    settings.mixins.model_path = tmp_path / "mixin_model"
    settings.verification.workers = 1
    settings.retention.interval_s = 3600
    settings.health.cache_s = 0.0  # these tests break storage and look at once
    return settings


@contextlib.asynccontextmanager
async def _client(settings: Settings) -> AsyncIterator[AsyncClient]:
    async with LifespanManager(create_app(settings), startup_timeout=120) as manager:
        transport = ASGITransport(app=manager.app)
        async with AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


async def _generate(http: AsyncClient) -> Response:
    return await http.post("/generate", json={"prd": PRD, "verify": False})


def _assert_storage_unavailable(response: Response) -> None:
    assert response.status_code == 503, response.text[:500]
    assert_error_shape(response.json())
    assert response.json()["error"] == "storage_unavailable"
    assert int(response.headers["retry-after"]) >= 1


async def test_read_only_sqlite_is_down_and_writes_are_503(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    await asyncio.to_thread(upgrade, f"sqlite+aiosqlite:///{path}")
    settings = _settings(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true", tmp_path)
    async with _client(settings) as http:
        ready = await http.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["status"] == "down"
        assert "readonly" in ready.json()["detail"]
        _assert_storage_unavailable(await _generate(http))
        health = await http.get("/health")
        assert health.status_code == 503
        assert health.json()["components"]["database"]["status"] == "down"
        listing = await http.get("/generations")  # reads still work
        assert listing.status_code == 200
        assert listing.json()["total"] == 0


async def test_unreachable_database_makes_writes_503_not_500(tmp_path: Path) -> None:
    settings = _settings("postgresql+asyncpg://postgres@127.0.0.1:1/none", tmp_path)
    async with _client(settings) as http:
        _assert_storage_unavailable(await _generate(http))
        _assert_storage_unavailable(await http.get("/generations"))
        assert (await http.get("/health/ready")).status_code == 503


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)]
    return subprocess.run(mount, capture_output=True, check=False).returncode == 0


def _unmount(where: Path) -> None:
    subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def _fill(folder: Path) -> Path:
    """Fill the volume: write until the disk says it is full."""
    filler = folder / "filler"
    with contextlib.suppress(OSError), filler.open("wb") as out:
        while True:
            out.write(b"\0" * 65536)
            out.flush()
    return filler


@contextlib.asynccontextmanager
async def _client_on_tmpfs(
    tmp_path: Path, window_s: float
) -> AsyncIterator[tuple[AsyncClient, Path]]:
    """The app on a SQLite database in a 64 MiB tmpfs (which a test can fill)."""
    volume = tmp_path / "volume"
    if not _mount_tmpfs(volume, "64m"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        url = f"sqlite+aiosqlite:///{volume / 'full.db'}"
        await asyncio.to_thread(upgrade, url)
        # min_free_mb=0: the failed write alone must make it say down
        settings = _settings(url, tmp_path, min_free_mb=0, write_failure_window_s=window_s)
        async with _client(settings) as http:
            yield http, volume
    finally:
        _unmount(volume)


async def test_full_disk_is_down_until_space_returns(tmp_path: Path) -> None:
    async with _client_on_tmpfs(tmp_path, window_s=1.0) as (http, volume):
        assert (await http.get("/health/ready")).status_code == 200
        filler = _fill(volume)

        _assert_storage_unavailable(await _generate(http))
        ready = await http.get("/health/ready")
        assert ready.status_code == 503
        assert "failed" in ready.json()["detail"]
        database = (await http.get("/health")).json()["components"]["database"]
        assert database["status"] == "down"

        filler.unlink()
        async with asyncio.timeout(20):  # the failure ages out of the 1 s window
            while (await http.get("/health/ready")).status_code != 200:  # noqa: ASYNC110
                await asyncio.sleep(0.2)
        created = await _generate(http)
        assert created.status_code == 201, created.text[:500]
        archive = await http.get(f"/generations/{created.json()['id']}/archive")
        assert archive.status_code == 200


async def test_a_committed_write_clears_remembered_failures(tmp_path: Path) -> None:
    """After an outage, health says ok as soon as a write commits again, not a window later."""
    async with _client_on_tmpfs(tmp_path, window_s=3600.0) as (http, volume):
        filler = _fill(volume)
        _assert_storage_unavailable(await _generate(http))
        filler.unlink()
        assert (await http.get("/health/ready")).status_code == 503  # no write since
        assert (await _generate(http)).status_code == 201
        assert (await http.get("/health/ready")).status_code == 200


async def test_low_disk_space_is_degraded(tmp_path: Path) -> None:
    path = tmp_path / "low.db"
    await asyncio.to_thread(upgrade, f"sqlite+aiosqlite:///{path}")
    settings = _settings(f"sqlite+aiosqlite:///{path}", tmp_path, min_free_mb=2**40)
    async with _client(settings) as http:
        health = await http.get("/health")
        assert health.status_code == 200
        assert health.json()["components"]["database"]["status"] == "degraded"
        assert "free on the database's volume" in health.json()["components"]["database"]["detail"]
        assert (await http.get("/health/ready")).status_code == 503


@pytest.mark.skipif(not POSTGRES_URL, reason="CODEGEN_TEST_POSTGRES_URL not set")
async def test_read_only_postgres_is_down_and_writes_are_503(tmp_path: Path) -> None:
    assert POSTGRES_URL is not None
    name = f"{make_url(POSTGRES_URL).database}_readonly"
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    admin = create_async_engine(
        make_url(POSTGRES_URL).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        await asyncio.to_thread(upgrade, url)
        async with admin.connect() as connection:
            sql = f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'
            await connection.execute(text(sql))
        async with _client(_settings(url, tmp_path)) as http:
            ready = await http.get("/health/ready")
            assert ready.status_code == 503
            assert "read-only" in ready.json()["detail"]
            _assert_storage_unavailable(await _generate(http))
            assert (await http.get("/generations")).status_code == 200
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def test_openapi_declares_storage_and_pruned_errors(client: AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path, method in [("/generate", "post"), ("/mixins/feedback", "post")]:
        declared = paths[path][method]["responses"]["503"]
        assert "storage_unavailable" in declared["description"], path
        assert declared["content"]["application/json"]["schema"]["$ref"].endswith("ErrorBody")
    assert "overloaded" in paths["/generate"]["post"]["responses"]["503"]["description"]
    archive = paths["/generations/{generation_id}/archive"]["get"]["responses"]
    assert "files_pruned" in archive["410"]["description"]
    assert "503" not in paths["/health/live"]["get"]["responses"]
