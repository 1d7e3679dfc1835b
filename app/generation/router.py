from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from app.admission import admitted
from app.auth.guard import auth_errors, requires
from app.config import Settings
from app.db import SessionDep
from app.errors import error_responses
from app.generation import queries, service
from app.generation.negotiation import ZIP, parse_body, wants_zip
from app.generation.pipeline import Pipeline
from app.generation.schemas import (
    EXAMPLE_PRD,
    PRD_PATTERN,
    PROJECT_NAME_MAX,
    GenerateRequest,
    GenerationPage,
    GenerationRead,
    PlanResponse,
)
from app.logs import correlation_id
from app.webhooks.service import Webhooks

router = APIRouter(tags=["generation"])
JSON = "application/json"
MAX_OFFSET = 1_000_000_000  # within every database's integer (a larger one was a 500)

# a raw markdown body is the PRD itself, held to the same rules as the JSON body's `prd`
_TEXT_PRD = {"type": "string", "minLength": 1, "pattern": PRD_PATTERN, "example": EXAMPLE_PRD}
_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": GenerateRequest.model_json_schema()},
            "text/markdown": {"schema": _TEXT_PRD},
            "text/plain": {"schema": _TEXT_PRD},
        },
    }
}


def get_pipeline(request: Request) -> Pipeline:
    pipeline: Pipeline = request.state.pipeline
    return pipeline


def get_settings(request: Request) -> Settings:
    settings: Settings = request.state.settings
    return settings


PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def read_generate_request(
    request: Request,
    settings: SettingsDep,
    project_name: Annotated[
        str | None,
        Query(max_length=PROJECT_NAME_MAX, description="with a text/markdown or text/plain body"),
    ] = None,
    verify: Annotated[
        bool | None, Query(description="with a text/markdown or text/plain body (default true)")
    ] = None,
) -> GenerateRequest:
    # Content-Type and Accept are read, not declared: OpenAPI ignores them as parameters
    # (the request body's media types and the responses' content say what they may be)
    content_type = request.headers.get("content-type", "")
    body = parse_body(await request.body(), content_type, project_name=project_name, verify=verify)
    service.check_prd_size(body.prd, settings.generation.max_prd_bytes)
    return body


GenerateRequestDep = Annotated[GenerateRequest, Depends(read_generate_request)]


# access control (keys mode): every route needs a key with `generate`; the two that run the
# analysis are also rate-limited per key (auth.generate_rate)
_GENERATE, _AUTH = requires("generate"), auth_errors("generate")
_LIMITED = requires("generate", rate="generate")
_AUTH_LIMITED = auth_errors("generate", rate="generate")
_OVERLOADED = (
    "`overloaded`: too many generation requests running and waiting; retry after the "
    "`Retry-After` header's seconds"
)
_PRUNED = (
    "`files_pruned`: retention removed this generation's files (`retention.*` settings); "
    "its metadata is still at GET /generations/{id}"
)
_VERIFICATION_FAILED = (
    "Invalid input (field errors in `errors`; `prd_not_utf8`, `no_node_evidence`, "
    "`callback_url_refused`, ...), or "
    "`verification_failed`: the generation is stored, and the body adds `generation_id` and "
    "`generation` (a GenerationRead with every package's verification report)"
)


@router.post(
    "/generate",
    status_code=201,
    openapi_extra=_BODY_DOC,
    dependencies=[_LIMITED, Depends(admitted)],
    response_model=GenerationRead,
    responses={
        201: {"content": {ZIP: {"schema": {"type": "string", "format": "binary"}}}},
        **error_responses(
            400,
            406,
            413,
            415,
            422,
            503,
            *_AUTH_LIMITED,
            descriptions={422: _VERIFICATION_FAILED, 503: _OVERLOADED},
        ),
    },
)
async def generate(
    body: GenerateRequestDep,
    session: SessionDep,
    pipeline: PipelineDep,
    request: Request,
) -> Response:
    """Generate verified ONEX node packages from a PRD (JSON, or the archive with Accept: zip).

    A package that fails verification makes this a 422 `verification_failed` (stored, with its
    reports), never a 201."""
    as_zip = wants_zip(request.headers.get("accept", JSON))
    callback = None
    if body.callback_url is not None:
        webhooks: Webhooks = request.state.webhooks
        webhooks.check_url(body.callback_url)  # 422 callback_url_refused before any work
        callback = service.Callback(body.callback_url, webhooks)
    outcome = await service.generate(
        session,
        pipeline,
        prd=body.prd,
        project_name=body.project_name,
        verify=body.verify,
        correlation_id=correlation_id.get(),
        verdicts=getattr(request.state, "verdict_sink", None),
        callback=callback,
    )
    generation = outcome.generation
    headers = {
        "X-Generation-ID": generation.id,
        "ETag": f'"{generation.archive_sha256}"',
        "Location": f"/generations/{generation.id}",
    }
    if as_zip:
        headers["Content-Disposition"] = f'attachment; filename="{generation.project_name}.zip"'
        return Response(outcome.archive, status_code=201, media_type=ZIP, headers=headers)
    read = queries.to_read(generation, outcome.files)
    # pydantic's own JSON encoder: one pass, no intermediate dicts (files are most of the body)
    return Response(read.model_dump_json(), status_code=201, media_type=JSON, headers=headers)


@router.post(
    "/generate/plan",
    openapi_extra=_BODY_DOC,
    dependencies=[_LIMITED, Depends(admitted)],
    responses=error_responses(
        400,
        413,
        415,
        422,
        503,
        *_AUTH_LIMITED,
        descriptions={503: _OVERLOADED},
    ),
)
async def plan_generation(body: GenerateRequestDep, pipeline: PipelineDep) -> PlanResponse:
    """Analyse a PRD: requirements, node kinds with their evidence, entities, flows, mixins."""
    plan = await service.plan(pipeline, prd=body.prd, project_name=body.project_name)
    return PlanResponse.model_validate(plan.model_dump())


@router.get(
    "/generations",
    dependencies=[_GENERATE],
    responses=error_responses(422, *_AUTH),
)
async def list_generations(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> GenerationPage:
    """Stored generations, newest first."""
    return await queries.page(session, limit=limit, offset=offset)


@router.get(
    "/generations/{generation_id}",
    dependencies=[_GENERATE],
    responses=error_responses(404, *_AUTH),
)
async def get_generation(
    generation_id: str, session: SessionDep, request: Request
) -> GenerationRead:
    """One stored generation: its files, verification reports, detections and feedback."""
    summaries = getattr(request.state, "feedback_summaries", None)
    return await queries.read(session, generation_id, summaries)


@router.get(
    "/generations/{generation_id}/archive",
    response_class=Response,
    dependencies=[_GENERATE],
    responses={
        200: {"content": {ZIP: {"schema": {"type": "string", "format": "binary"}}}},
        304: {"description": "Not modified (If-None-Match matched the ETag)"},
        **error_responses(410, descriptions={410: _PRUNED}),
        **error_responses(404, *_AUTH),
    },
)
async def get_archive(
    generation_id: str,
    session: SessionDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The generation's zip archive (byte-identical to the one returned at generation time)."""
    generation = await queries.get(session, generation_id)
    queries.require_files(generation)
    etag = f'"{generation.archive_sha256}"'
    headers = {"ETag": etag, "X-Generation-ID": generation.id}
    if if_none_match == etag:
        return Response(status_code=304, headers=headers)
    archive = await queries.archive_of(session, generation)
    headers["Content-Disposition"] = f'attachment; filename="{generation.project_name}.zip"'
    return Response(archive, media_type=ZIP, headers=headers)
