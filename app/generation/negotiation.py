"""Request/response formats of /generate: JSON or raw markdown in; JSON or zip out."""

import json

from pydantic import ValidationError

from app.analysis import naming
from app.errors import InvalidInput, MalformedJson
from app.generation.errors import PrdNotUtf8, UnacceptableFormat, UnsupportedPrdMediaType
from app.generation.schemas import GenerateRequest

ZIP = "application/zip"
JSON = "application/json"
_TEXT_TYPES = {"text/markdown", "text/plain", "text/x-markdown"}


def parse_body(
    body: bytes, content_type: str, *, project_name: str | None, verify: bool | None
) -> GenerateRequest:
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == JSON or media_type.endswith("+json"):
        try:
            data = json.loads(body)
        except UnicodeDecodeError as exc:
            raise PrdNotUtf8(exc.start) from exc
        except ValueError as exc:
            raise MalformedJson(f"request body is not valid JSON: {exc}") from exc
        return _validated(data)
    if media_type in _TEXT_TYPES:
        try:
            prd = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PrdNotUtf8(exc.start) from exc
        fields = {"prd": prd, "project_name": project_name, "verify": verify}
        return _validated({k: v for k, v in fields.items() if v is not None}, loc=())
    raise UnsupportedPrdMediaType(media_type)


def _validated(data: object, loc: tuple[str, ...] = ("body",)) -> GenerateRequest:
    """The request as the schema states it, its PRD without control characters (a raw
    markdown body is checked against the same schema as a JSON one: `/generate` and
    `/generate/plan` accept exactly the same)."""
    try:
        request = GenerateRequest.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput.from_validation(exc, "the request body", loc=loc) from exc
    return request.model_copy(update={"prd": naming.strip_control(request.prd)})


def wants_zip(accept: str) -> bool:
    """True for a zip, False for JSON (the default); anything else is 406."""
    ranked: list[tuple[float, str]] = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        quality = 1.0
        for param in fields[1:]:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        ranked.append((quality, media))
    if not ranked:
        return False
    for quality, media in sorted(ranked, key=lambda r: -r[0]):
        if quality <= 0:
            continue
        if media == ZIP:
            return True
        if media in {JSON, "*/*", "application/*"}:
            return False
    raise UnacceptableFormat(accept)
