from httpx import AsyncClient
from prometheus_client.parser import text_string_to_metric_families


async def test_metrics_parse_and_use_route_templates(client: AsyncClient) -> None:
    await client.get("/health/ready")
    await client.get("/generations/does-not-exist-1")
    await client.get("/generations/does-not-exist-2")
    response = await client.get("/metrics")
    assert response.status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    assert "codegen_http_requests" in families or "http_requests" in families
    handlers = {
        s.labels.get("handler")
        for f in families.values()
        for s in f.samples
        if "handler" in s.labels
    }
    assert "/health/ready" in handlers
    assert not any(h and "does-not-exist" in h for h in handlers)


async def test_metrics_not_in_openapi(client: AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/metrics" not in paths
