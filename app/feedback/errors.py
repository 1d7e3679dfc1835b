"""What the feedback capability refuses; each has a stable `error` code (rendered by app.errors)."""

from app.errors import InvalidInput


class UnknownPattern(InvalidInput):
    code = "unknown_pattern"

    def __init__(self, pattern: str, field: str = "pattern") -> None:
        super().__init__(
            f"{field} {pattern!r} is not a pattern this service detects",
            errors=[{"loc": ["body", field], "msg": "unknown pattern", "type": "unknown_pattern"}],
        )


class UnknownDetection(InvalidInput):
    code = "unknown_detection"

    def __init__(self, generation_id: str, detection_id: str) -> None:
        super().__init__(
            f"generation {generation_id} has no detection {detection_id!r}",
            detection_id=detection_id,
        )


class PatternMismatch(InvalidInput):
    code = "pattern_mismatch"

    def __init__(self, detection_id: str, detected: str, given: str) -> None:
        super().__init__(
            f"detection {detection_id!r} is a {detected!r} detection, not {given!r} "
            "(name the mistaken pattern as actual_pattern)",
            detected_pattern=detected,
        )


class VerdictDoesNotFit(InvalidInput):
    code = "verdict_does_not_fit"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)


class DetectionRequired(InvalidInput):
    """correct/incorrect/partial without detection_id: no single emitted detection to bind to."""

    code = "detection_required"

    def __init__(self, pattern: str, emitted: int) -> None:
        why = "none was emitted" if emitted == 0 else f"{emitted} were emitted"
        super().__init__(
            f"no single emitted {pattern!r} detection to bind the verdict to ({why}): "
            "name detection_id",
            emitted_count=emitted,
        )


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            "this Idempotency-Key was already used with a different request; "
            "use a new key for a new submission"
        )
