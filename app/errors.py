"""Domain errors, the one JSON shape every 4xx/5xx has, and the single place that renders it.

Every error a service or router raises is an `AppError`; framework errors (unknown route,
wrong method, request validation) are turned into the same shape here. The shape is
documented once, as the `ErrorBody` OpenAPI component; routes declare their error statuses
with `responses=error_responses(404, 422, ...)`.
"""

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request, routing
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.db import get_session

# the documented shape, re-exported: routes import everything about errors from here
from app.error_docs import ErrorBody as ErrorBody
from app.error_docs import ErrorItem as ErrorItem
from app.error_docs import document_errors
from app.error_docs import error_responses as error_responses
from app.logs import correlation_id
from app.storage import WriteFailures, storage_failure

log = logging.getLogger(__name__)


class AppError(Exception):
    """Base of every error a service raises; `code` is stable and machine-readable."""

    status_code: int = 500
    code: str = "internal_error"

    def __init__(
        self,
        detail: str,
        *,
        errors: Iterable[Mapping[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: object,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = [_item(e) for e in errors] if errors is not None else None
        self.headers = dict(headers or {})
        self.extra = extra


class BadRequest(AppError):
    status_code = 400
    code = "bad_request"


class MalformedJson(BadRequest):
    code = "malformed_json"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class MethodNotAllowed(AppError):
    status_code = 405
    code = "method_not_allowed"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class InvalidInput(AppError):
    status_code = 422
    code = "invalid_input"

    @classmethod
    def from_validation(
        cls,
        exc: ValidationError,
        what: str = "the request",
        loc: Sequence[str | int] = ("body",),
    ) -> "InvalidInput":
        """Field errors from pydantic as one InvalidInput; `loc` prefixes each error's location
        the way FastAPI's request validation does (`["body", "prd"]`)."""
        items = [{**e, "loc": [*loc, *e["loc"]]} for e in field_errors(exc)]
        return cls(summarise(items, what), errors=items)


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(AppError):
    status_code = 415
    code = "unsupported_media_type"


class NotAcceptable(AppError):
    status_code = 406
    code = "not_acceptable"


class ServiceUnavailable(AppError):
    status_code = 503
    code = "service_unavailable"


class StorageUnavailable(ServiceUnavailable):
    """The database cannot take the write now (disk full, read-only, gone, or busy)."""

    code = "storage_unavailable"


_HTTP_ERRORS: dict[int, type[AppError]] = {
    400: BadRequest,
    404: NotFound,
    405: MethodNotAllowed,
    406: NotAcceptable,
    409: Conflict,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: InvalidInput,
    503: ServiceUnavailable,
}


def _item(error: Mapping[str, Any]) -> dict[str, Any]:
    loc = [p if isinstance(p, int) else str(p) for p in error.get("loc", ())]
    return {"loc": loc, "msg": str(error.get("msg", "")), "type": str(error.get("type", ""))}


def field_errors(exc: ValidationError | RequestValidationError) -> list[dict[str, Any]]:
    return [_item(e) for e in exc.errors()]


def summarise(items: Sequence[Mapping[str, Any]], what: str = "the request") -> str:
    """A readable one-line detail for field errors: the first few, and how many more."""
    if not items:
        return f"{what} is invalid"
    shown = [f"{'.'.join(str(p) for p in e['loc']) or what}: {e['msg']}" for e in items[:3]]
    more = f" (and {len(items) - 3} more)" if len(items) > 3 else ""
    return f"{what} is invalid: " + "; ".join(shown) + more


def error_body(status: int, code: str, detail: str, /, **extra: object) -> dict[str, Any]:
    """The one shape; `status` is accepted for symmetry with `error_response`."""
    del status
    body: dict[str, Any] = {
        "error": code,
        "detail": detail or code,
        "correlation_id": correlation_id.get(),
    }
    body.update({k: v for k, v in extra.items() if not (k == "errors" and v is None)})
    return body


def error_response(status: int, code: str, detail: str, /, **extra: object) -> JSONResponse:
    return JSONResponse(error_body(status, code, detail, **extra), status_code=status)


def render(exc: AppError) -> JSONResponse:
    """The only place an AppError becomes a response."""
    if exc.status_code >= 500:
        log.error("request failed: %s", exc.detail, extra={"error": exc.code})
    response = error_response(exc.status_code, exc.code, exc.detail, **exc.extra, errors=exc.errors)
    response.headers.update(exc.headers)
    return response


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return render(exc)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    kind = _HTTP_ERRORS.get(exc.status_code)
    detail = str(exc.detail)
    error = (
        kind(detail, headers=exc.headers)
        if kind
        else _status_error(exc.status_code, detail, exc.headers)
    )
    return render(error)


def _status_error(status: int, detail: str, headers: Mapping[str, str] | None) -> AppError:
    error = AppError(detail, headers=headers)
    error.status_code = status
    error.code = "internal_error" if status >= 500 else f"http_{status}"
    return error


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    items = field_errors(exc)
    malformed = [e for e in items if e["type"] == "json_invalid"]
    if malformed:
        reason = "; ".join(str(e["msg"]) for e in malformed)
        return render(MalformedJson(f"request body is not valid JSON: {reason}", errors=items))
    return render(InvalidInput(summarise(items), errors=items))


async def _unhandled(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "internal_error", "internal server error")


async def _storage_error(request: Request, exc: Exception) -> JSONResponse:
    """A database (or disk) failure that is storage being unavailable is a 503 with Retry-After,
    remembered for /health (`request.state.write_failures`); any other one is a 500."""
    kind = storage_failure(exc)
    if kind is None:
        return await _unhandled(request, exc)
    if kind == "busy":
        detail, retry = "the database is busy with another write; retry shortly", 1
    else:
        failures: WriteFailures | None = getattr(request.state, "write_failures", None)
        if failures is not None:
            failures.record(exc)
        retry = failures.retry_after_s if failures is not None else 30
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
        detail = f"storage is unavailable, nothing was stored ({reason})"
    return render(StorageUnavailable(detail, headers={"Retry-After": str(retry)}))


def register_error_handlers(app: FastAPI) -> None:
    """Render every error in the one shape, and say so in the OpenAPI document."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DBAPIError, _storage_error)
    app.add_exception_handler(OSError, _storage_error)
    app.add_exception_handler(Exception, _unhandled)
    document_errors(app)
    _document_storage_errors(app)


STORAGE_503 = (
    "`storage_unavailable`: the database cannot take the request now (disk full, read-only, "
    "unreachable, or busy); nothing was stored; retry after `Retry-After` seconds"
)


def _document_storage_errors(app: FastAPI) -> None:
    """Every route that opens a database session can answer 503 `storage_unavailable`: the
    document says so (joining a 503 the route already declares)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            for context in routing.iter_route_contexts(app.routes):
                dependant = getattr(context, "dependant", None)
                if dependant is None or not _uses(dependant, get_session):
                    continue
                operations = schema["paths"].get(context.path_format, {})
                for method in context.methods or ():
                    if (operation := operations.get(method.lower())) is not None:
                        _declare_503(operation.setdefault("responses", {}))
        return generate()

    app.openapi = openapi  # type: ignore[method-assign]


def _uses(dependant: Dependant, call: Any) -> bool:
    return any(d.call is call or _uses(d, call) for d in dependant.dependencies)


def _declare_503(responses: dict[str, Any]) -> None:
    said = responses.get("503")
    if said is None:
        responses["503"] = {
            "description": STORAGE_503,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
        }
    elif "storage_unavailable" not in said.get("description", ""):
        said["description"] = f"{said.get('description', '')}; or {STORAGE_503}"
