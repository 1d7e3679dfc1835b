from httpx import AsyncClient


async def test_generates_request_id_when_absent(client: AsyncClient) -> None:
    response = await client.get("/health/live")
    assert len(response.headers["x-request-id"]) == 32


async def test_echoes_safe_request_id(client: AsyncClient) -> None:
    response = await client.get("/health/live", headers={"X-Request-ID": "abc-123_X.y"})
    assert response.headers["x-request-id"] == "abc-123_X.y"


async def test_replaces_unsafe_request_id(client: AsyncClient) -> None:
    for bad in ("a b", "x" * 65, "<script>", "id;drop"):
        headers = {"X-Request-ID": bad}
        response = await client.get("/health/live", headers=headers)
        assert response.headers["x-request-id"] != bad
        assert len(response.headers["x-request-id"]) == 32


async def test_error_body_carries_same_id(client: AsyncClient) -> None:
    response = await client.get("/missing", headers={"X-Request-ID": "trace-42"})
    assert response.json()["correlation_id"] == "trace-42"
    assert response.headers["x-request-id"] == "trace-42"
