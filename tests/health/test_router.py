from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from app.config import Settings
from app.main import create_app


async def test_live_answers_without_io(client: AsyncClient) -> None:
    response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_ready_when_database_at_head(client: AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ok"


async def test_health_reports_components(client: AsyncClient) -> None:
    body = (await client.get("/health")).json()
    assert body["status"] in {"ok", "degraded"}
    database = body["components"]["database"]
    assert database["status"] == "ok"
    assert database["latency_ms"] >= 0
    assert "schema at" in database["detail"]


async def _get(settings: Settings, path: str) -> tuple[int, dict[str, object]]:
    async with LifespanManager(create_app(settings), startup_timeout=120) as manager:
        transport = ASGITransport(app=manager.app)
        async with AsyncClient(transport=transport, base_url="http://test") as http:
            response = await http.get(path)
            return response.status_code, response.json()


async def test_ready_is_503_when_database_unreachable() -> None:
    settings = Settings()
    settings.database.url = "postgresql+asyncpg://postgres@127.0.0.1:1/none"
    status, body = await _get(settings, "/health/ready")
    assert status == 503
    assert body["status"] == "down"
    status, body = await _get(settings, "/health")
    assert status == 503
    assert body["components"]["database"]["status"] == "down"  # type: ignore[index]


async def test_ready_is_503_when_schema_not_migrated(tmp_path: object) -> None:
    settings = Settings()
    settings.database.url = f"sqlite+aiosqlite:///{tmp_path}/empty.db"
    status, body = await _get(settings, "/health/ready")
    assert status == 503
    assert "head is" in str(body["detail"])
