"""Every error response has the one JSON shape, is declared in the OpenAPI, never leaks a traceback.

The sweep sends bad requests to every route of the app (enumerated from `app.routes`, so a new
route is covered without touching this file): a wrong method, malformed JSON, a wrong content
type, invalid fields, invalid query values, unknown ids and oversized bodies.
"""

import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from httpx import AsyncClient, Response

from app.config import Settings
from app.error_docs import with_error_body
from app.main import create_app

SHAPE_KEYS = {"error", "detail", "correlation_id"}
# keys of the old second shape (field errors outside `errors`): never again
OLD_SHAPE_KEYS = {"field", "value", "loc", "msg", "input", "ctx"}
ITEM_KEYS = {"loc", "msg", "type"}
MIXINS_PENDING = (
    "mixins split in progress (app/mixins -> app/mixins + lab/): /mixins routes do not yet "
    "declare every error they return with error_responses()"
)


def assert_error_shape(body: dict[str, Any], code: str | None = None) -> None:
    """The one shape: error, detail (a non-empty string), correlation_id, optional errors."""
    assert body.keys() >= SHAPE_KEYS, body
    assert isinstance(body["error"], str) and body["error"], body
    if code is not None:
        assert body["error"] == code, body
    assert isinstance(body["detail"], str) and body["detail"].strip(), body
    assert isinstance(body["correlation_id"], str) and body["correlation_id"], body
    assert not OLD_SHAPE_KEYS & body.keys(), f"field errors belong in `errors`: {body}"
    if "errors" in body:
        assert isinstance(body["errors"], list) and body["errors"], body
        for item in body["errors"]:
            assert set(item) == ITEM_KEYS, item
            assert isinstance(item["loc"], list), item
            assert all(isinstance(p, str | int) for p in item["loc"]), item
            assert isinstance(item["msg"], str) and isinstance(item["type"], str), item
    assert "Traceback" not in json.dumps(body)


# --- the sweep -------------------------------------------------------------------------------

SETTINGS = Settings()
APP = create_app(SETTINGS)
OPENAPI = APP.openapi()
MAX_BODY = SETTINGS.http.max_body_bytes


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str  # concrete URL path (+ query)
    template: str  # the route's path template, as in the OpenAPI
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    declared: bool = True  # False: the status belongs to no operation (e.g. 405)

    @property
    def id(self) -> str:
        return f"{self.method} {self.template} {self.name}"


def _operation(template: str, method: str) -> dict[str, Any] | None:
    operation: dict[str, Any] | None = OPENAPI["paths"].get(template, {}).get(method.lower())
    return operation


def _fill(template: str, value: str) -> str:
    path = template
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + value + path[end + 1 :]
    return path


def _bad_query_value(schema: dict[str, Any]) -> str | None:
    options = schema.get("anyOf", [schema])
    types = {o.get("type") for o in options}
    if types & {"string", "null"} and not types & {"integer", "number", "boolean"}:
        longest = min((o["maxLength"] for o in options if "maxLength" in o), default=None)
        return "x" * (longest + 1) if longest is not None else None
    return "not-a-value" if "string" not in types else None


def _route_cases(route: RouteContext) -> list[Case]:
    template = route.path
    if template is None:
        return []
    methods = set(route.methods or ())
    cases: list[Case] = []
    if template not in _WRONG_METHOD_SENT:
        _WRONG_METHOD_SENT.add(template)
        wrong = next(m for m in ("DELETE", "PATCH", "PUT") if m not in _METHODS[template])
        cases.append(Case("wrong method", wrong, _fill(template, "x"), template, declared=False))
    if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
        return cases
    for method in sorted(methods - {"HEAD", "OPTIONS"}):
        operation = _operation(template, method)
        assert operation is not None, f"{method} {template} is missing from the OpenAPI"
        if "{" in template:
            cases.append(Case("unknown id", method, _fill(template, "no-such-id"), template))
        for param in operation.get("parameters", []):
            bad = _bad_query_value(param.get("schema", {}))
            if param["in"] == "query" and bad is not None:
                url = f"{_fill(template, 'no-such-id')}?{param['name']}={bad}"
                cases.append(Case(f"bad query {param['name']}", method, url, template))
        if "requestBody" not in operation:
            continue  # e.g. POST /mixins/model/train: nothing to corrupt, and it has effects
        json_type = {"Content-Type": "application/json"}
        body_cases = [
            ("malformed json", json_type, b'{"prd": '),
            ("json array", json_type, b"[]"),
            ("unknown fields", json_type, b'{"no_such_field": [1, 2, 3]}'),
            ("wrong field types", json_type, json.dumps(_wrong_types(operation)).encode()),
            ("wrong content type", {"Content-Type": "application/xml"}, b"<prd/>"),
            ("oversized", json_type, b'{"prd": "' + b"x" * MAX_BODY + b'"}'),
        ]
        url = _fill(template, "no-such-id")
        cases += [Case(n, method, url, template, h, c) for n, h, c in body_cases]
    return cases


def _wrong_types(operation: dict[str, Any]) -> dict[str, Any]:
    """Every property of the JSON body, given a value of a type it cannot have."""
    schema = operation["requestBody"]["content"].get("application/json", {}).get("schema", {})
    options = schema.get("anyOf", [schema])
    names: set[str] = set()
    for option in options:
        ref = option.get("$ref", "")
        resolved = OPENAPI["components"]["schemas"].get(ref.rsplit("/", 1)[-1], option)
        names.update(resolved.get("properties", {}))
    return {name: {"nested": [None]} for name in sorted(names)} or {"x": {"nested": [None]}}


# every route of the app, the included routers' routes flattened (FastAPI >= 0.165 keeps an
# included router as one entry of app.routes)
ROUTES = list(iter_route_contexts(APP.routes))
_METHODS: dict[str, set[str]] = {}
for _route in ROUTES:
    _METHODS.setdefault(_route.path or "", set()).update(_route.methods or ())
_WRONG_METHOD_SENT: set[str] = set()
CASES = list(itertools.chain.from_iterable(_route_cases(r) for r in ROUTES))


def test_the_sweep_covers_every_route() -> None:
    swept = {c.template for c in CASES}
    assert swept == {r.path for r in ROUTES if r.path}
    for route in ROUTES:
        for method in route.methods or () if route.include_in_schema else ():
            assert _operation(route.path or "", method), f"{method} {route.path} not in OpenAPI"
    assert {"/generate", "/generations/{generation_id}", "/health/ready"} <= swept


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_every_error_has_the_one_shape_and_is_declared(
    client: AsyncClient, case: Case
) -> None:
    request_id = f"sweep-{abs(hash(case.id))}"
    response = await client.request(
        case.method,
        case.path,
        content=case.content,
        headers={"X-Request-ID": request_id, **case.headers},
    )
    assert 400 <= response.status_code < 500, f"{case.id}: {response.status_code} {response.text}"
    body = _json(response)
    assert body["correlation_id"] == response.headers["x-request-id"] == request_id
    pending = case.template.startswith("/mixins")
    try:
        assert_error_shape(body)
    except AssertionError:
        if pending:
            pytest.xfail(MIXINS_PENDING)
        raise
    if case.name == "wrong method":
        assert response.status_code == 405 and "allow" in response.headers
    if not case.declared:
        return
    operation = _operation(case.template, case.method)
    assert operation is not None
    if str(response.status_code) not in operation["responses"]:
        if pending:
            pytest.xfail(f"{MIXINS_PENDING}: {case.id} returned {response.status_code}")
        pytest.fail(
            f"{case.id} returned {response.status_code} ({body['error']}), which its "
            f"OpenAPI responses do not declare: {sorted(operation['responses'])}"
        )


def _json(response: Response) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/json"), response.text
    body: dict[str, Any] = response.json()
    return body


# --- the document ----------------------------------------------------------------------------


def test_openapi_documents_the_shape_once() -> None:
    schemas = OPENAPI["components"]["schemas"]
    assert {"ErrorBody", "ErrorItem"} <= schemas.keys()
    assert not {"HTTPValidationError", "ValidationError"} & schemas.keys()
    assert set(schemas["ErrorBody"]["required"]) == SHAPE_KEYS
    for path, item in OPENAPI["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if int(status) < 400:
                    continue
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, method)
            assert "500" in operation["responses"], (path, method)


def test_openapi_post_processing_is_idempotent() -> None:
    again = with_error_body(json.loads(json.dumps(OPENAPI)))
    assert again == OPENAPI


# --- framework and middleware errors ---------------------------------------------------------


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


async def test_request_validation_puts_field_errors_in_errors(client: AsyncClient) -> None:
    response = await client.get("/generations", params={"limit": "many", "offset": -1})
    assert response.status_code == 422
    body = response.json()
    assert_error_shape(body, "invalid_input")
    assert {tuple(e["loc"]) for e in body["errors"]} == {("query", "limit"), ("query", "offset")}
    assert "limit" in body["detail"] and "offset" in body["detail"]


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


# --- the request schemas say what is accepted --------------------------------------------------


def _component(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = OPENAPI["components"]["schemas"][name]
    return schema


def test_a_prd_the_service_rejects_as_empty_is_outside_the_schema() -> None:
    content = OPENAPI["paths"]["/generate/plan"]["post"]["requestBody"]["content"]
    prd = content["application/json"]["schema"]["properties"]["prd"]
    for schema in (prd, content["text/markdown"]["schema"], content["text/plain"]["schema"]):
        assert schema["minLength"] == 1
        pattern = re.compile(schema["pattern"])
        for empty in ("", " \n\t", "\x00\x07", "\r\n"):
            assert not pattern.search(empty), (schema, empty)
        assert pattern.search("# a title")
    assert content == OPENAPI["paths"]["/generate"]["post"]["requestBody"]["content"]


def test_no_operation_declares_accept_or_content_type_as_a_parameter() -> None:
    # OpenAPI ignores them as parameters (fuzzers then send `Accept: 4` as "valid" input)
    for path, item in OPENAPI["paths"].items():
        for method, operation in item.items():
            names = {p["name"].lower() for p in operation.get("parameters", [])}
            assert not names & {"accept", "content-type"}, (path, method)


def test_mixin_request_bodies_forbid_unknown_fields_and_coercion() -> None:
    for name in ("CompositionQuery", "PredictBatch", "RecommendIn", "FeedbackIn"):
        assert _component(name)["additionalProperties"] is False, name
    body = OPENAPI["paths"]["/generate"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["additionalProperties"] is False


async def test_the_live_document_names_the_catalog_mixins(client: AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    catalog = (await client.get("/mixins")).json()
    names = sorted(m["name"] for m in catalog["mixins"])
    for model in ("CompositionQuery", "RecommendIn", "FeedbackIn"):
        items = document["components"]["schemas"][model]["properties"]["mixins"]["items"]
        assert items["enum"] == names, model


async def test_integers_and_booleans_are_not_coerced_from_strings(client: AsyncClient) -> None:
    recommend = {"node_kind": "effect", "capabilities": ["caching"]}
    assert (await client.post("/mixins/recommend", json={**recommend, "limit": 3.0})).is_success
    for limit in ("3", 3.5, True):
        response = await client.post("/mixins/recommend", json={**recommend, "limit": limit})
        assert response.status_code == 422, limit
    response = await client.post("/generate/plan", json={"prd": "# x", "verify": 0})
    assert response.status_code == 422


async def test_model_info_dates_are_utc_datetimes(client: AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    trained = document["components"]["schemas"]["ModelInfo"]["properties"]["trained_at"]
    assert {"type": "string", "format": "date-time"} in trained["anyOf"]
    value = (await client.get("/mixins/model")).json()["trained_at"]
    assert value is None or value.endswith(("Z", "+00:00"))
