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


async def test_head_works_wherever_get_does(client: AsyncClient) -> None:
    for path in ("/health/live", "/health/ready", "/openapi.json", "/no/such/route"):
        get, head = await client.get(path), await client.head(path)
        assert head.status_code == get.status_code, path
        assert head.content == b"", path
        assert head.headers["content-type"] == get.headers["content-type"], path
        assert head.headers["content-length"] == get.headers["content-length"], path
        assert "x-request-id" in head.headers
    assert (await client.head("/health")).status_code == 200  # its body's latencies vary


async def test_head_is_405_where_get_is_and_allow_lists_head(client: AsyncClient) -> None:
    head = await client.head("/generate")  # POST only
    assert head.status_code == 405 and head.content == b""
    assert head.headers["allow"] == "POST"
    wrong = await client.post("/health/live")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET, HEAD"
