from app.errors import AppError, InvalidInput, NotAcceptable, NotFound, PayloadTooLarge
from app.errors import UnsupportedMediaType as _UnsupportedMediaType
from app.generation.schemas import GenerationRead


class PrdTooLarge(PayloadTooLarge):
    code = "prd_too_large"

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"the PRD is {size} bytes; the limit is {limit}", limit_bytes=limit)


class PrdNotUtf8(InvalidInput):
    code = "prd_not_utf8"

    def __init__(self, position: int) -> None:
        super().__init__(f"the PRD is not valid UTF-8 (first bad byte at offset {position})")


class UnsupportedPrdMediaType(_UnsupportedMediaType):
    def __init__(self, media_type: str) -> None:
        super().__init__(
            f"content type {media_type or '(none)'} is not supported; send application/json, "
            "text/markdown or text/plain",
            supported=["application/json", "text/markdown", "text/plain"],
        )


class UnacceptableFormat(NotAcceptable):
    def __init__(self, accept: str) -> None:
        super().__init__(
            f"cannot produce {accept}; accept application/json or application/zip",
            supported=["application/json", "application/zip"],
        )


class FilesPruned(AppError):
    """The generation exists, but retention removed its files (its metadata stays)."""

    status_code = 410
    code = "files_pruned"

    def __init__(self, generation_id: str, pruned_at: str) -> None:
        super().__init__(
            f"the files of generation {generation_id} were removed by retention at {pruned_at}; "
            "its metadata is still at GET /generations/{id}",
            generation_id=generation_id,
            files_pruned_at=pruned_at,
        )


class GenerationNotFound(NotFound):
    def __init__(self, generation_id: str) -> None:
        super().__init__(f"generation {generation_id} does not exist")


class VerificationFailed(AppError):
    """Generated code failed a check: stored as failed, and never reported as a success.

    The body carries the stored generation (`generation_id`, and `generation` with every
    package's verification report) so the client can see which check failed and fetch it
    again at `Location`."""

    status_code = 422
    code = "verification_failed"

    def __init__(self, generation: GenerationRead) -> None:
        super().__init__(
            generation.error or "verification failed",
            headers={
                "X-Generation-ID": generation.id,
                "ETag": f'"{generation.archive_sha256}"',
                "Location": f"/generations/{generation.id}",
            },
            generation_id=generation.id,
            generation=generation.model_dump(mode="json"),
        )


class NothingToGenerate(InvalidInput):
    code = "no_node_evidence"

    def __init__(self, requirement_count: int) -> None:
        super().__init__(
            f"found {requirement_count} requirements but no evidence for any node kind "
            "(side-effecting I/O, computation, state or workflow); see POST /generate/plan",
            requirement_count=requirement_count,
        )
