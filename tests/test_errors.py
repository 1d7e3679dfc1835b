"""Every error response has the same JSON shape and never leaks a traceback."""

from httpx import AsyncClient


def assert_error_shape(body: dict[str, object], code: str) -> None:
    assert body["error"] == code
    assert body["detail"]
    assert isinstance(body["correlation_id"], str) and body["correlation_id"]


async def test_unknown_route_is_404_in_common_shape(client: AsyncClient) -> None:
    response = await client.get("/no/such/route")
    assert response.status_code == 404
    assert_error_shape(response.json(), "not_found")
    assert response.json()["correlation_id"] == response.headers["x-request-id"]


async def test_wrong_method_is_405(client: AsyncClient) -> None:
    response = await client.post("/health/live")
    assert response.status_code == 405
    assert_error_shape(response.json(), "method_not_allowed")
    assert "allow" in response.headers


async def test_oversized_body_is_413_by_content_length(client: AsyncClient) -> None:
    response = await client.post("/health/live", content=b"x" * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert_error_shape(response.json(), "payload_too_large")


async def test_oversized_streamed_body_is_413(client: AsyncClient) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):  # 2.5 MiB, sent chunked: no Content-Length to reject up front
            yield b"y" * 65536

    response = await client.post(
        "/generate", content=chunks(), headers={"Content-Type": "text/markdown"}
    )
    assert response.status_code == 413
    assert_error_shape(response.json(), "payload_too_large")
    assert (await client.get("/generations")).json()["total"] == 0
