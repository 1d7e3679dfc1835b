"""The one error shape as the OpenAPI documents it: `ErrorBody`/`ErrorItem` components,
`error_responses(...)` for a route's `responses=`, and the post-processing that replaces
FastAPI's own 422 schema. Rendering lives in `app.errors` (which re-exports these)."""

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field


class ErrorItem(BaseModel):
    """One field error: where (`loc`, e.g. `["body", "prd"]`), what, and its machine type."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """The body of every 4xx/5xx response. Some errors add context fields (e.g. `limit_bytes`,
    `generation_id`); `errors` is present only for field errors."""

    model_config = ConfigDict(extra="allow")

    error: str = Field(description="stable machine-readable code, e.g. `not_found`")
    detail: str = Field(description="human-readable explanation")
    correlation_id: str = Field(description="the request's id, also in the X-Request-ID header")
    errors: list[ErrorItem] | None = Field(default=None, description="field errors, if any")


DESCRIPTIONS = {
    400: "Bad request (e.g. malformed JSON)",
    401: "`unauthorized`: no API key, or an unknown or revoked one (`WWW-Authenticate: Bearer`)",
    403: "`forbidden`: the API key lacks the scope this route needs (`required_scope`)",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable: the Accept header asks for a format this route cannot produce",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input (field errors in `errors`)",
    429: "`rate_limited`: over this key's (open mode: this address's) limit; `Retry-After` "
    "says how many seconds to wait",
    500: "Internal error",
    503: "`storage_unavailable`: the database cannot take the request now (in keys mode the API "
    "key is looked up there); retry after `Retry-After` seconds",
}

# headers a status always carries, documented with it
HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
}


def error_responses(
    *statuses: int, descriptions: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for a route: each status documented with the one `ErrorBody`
    (`descriptions` says what a status means on this route, when the default is too vague)."""
    said = descriptions or {}
    return {
        status: {
            "model": ErrorBody,
            "description": said.get(status) or DESCRIPTIONS.get(status, "Error"),
            **({"headers": HEADERS[status]} if status in HEADERS else {}),
        }
        for status in statuses
    }


def document_errors(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_error_body(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


_JSON_BODY = "application/json"
_FASTAPI_422 = "#/components/schemas/HTTPValidationError"
_ERROR_REF = "#/components/schemas/ErrorBody"


def with_error_body(schema: dict[str, Any]) -> dict[str, Any]:
    """Post-process the generated document so it advertises only the shape we send.

    FastAPI's default 422 (`HTTPValidationError`) becomes `ErrorBody`; what the framework and
    middleware can return on any route is added once here: 500 everywhere, 413 (body size
    limit) wherever there is a body, 400 (malformed JSON) and 422 wherever the body is JSON.
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in _error_schemas().items():
        components.setdefault(name, definition)
    error_content = {_JSON_BODY: {"schema": {"$ref": _ERROR_REF}}}
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses: dict[str, Any] = operation["responses"]
            for status, response in responses.items():
                ref = response.get("content", {}).get(_JSON_BODY, {}).get("schema", {})
                if ref.get("$ref") == _FASTAPI_422:
                    responses[status] = {
                        "description": DESCRIPTIONS[422],
                        "content": error_content,
                    }
            implied = [500]
            body = operation.get("requestBody")
            if body:
                implied.append(413)
                if _JSON_BODY in body.get("content", {}):
                    implied += [400, 422]
            for code in implied:
                responses.setdefault(
                    str(code), {"description": DESCRIPTIONS[code], "content": error_content}
                )
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    return schema


def _error_schemas() -> dict[str, Any]:
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions: dict[str, Any] = body.pop("$defs", {})
    return {"ErrorBody": body, **definitions}
