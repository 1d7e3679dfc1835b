"""schemathesis hooks of `make test-api` (loaded through tests/api/schemathesis.toml).

A schema cannot say "this PRD states no requirement": `/generate` and `/generate/plan` answer
a schema-valid PRD in which analysis finds nothing to build with a 422 whose `error` says so.
Likewise a feedback verdict on a detection the generation does not have, a window whose start
is after now, a callback host the policy refuses. The built-in positive-data check accepts a
422 on those operations (schemathesis.toml); this check then holds each to exactly its semantic
answers, so any other rejection of a valid request (an empty PRD the schema allowed,
`verification_failed` for valid input, ...) still fails the run.
"""

import json

import schemathesis
from schemathesis import Case, CheckContext, Response

# what analysis can say of a PRD the schema accepts: no requirement-like statement, or
# requirements with no evidence of any node kind
_PRD = frozenset({"no_requirements", "no_node_evidence"})
_WINDOW = frozenset({"invalid_window"})  # a `since` after the default `until` (now)
_IDEMPOTENCY = frozenset({"idempotency_key_reused"})  # the run reuses one key's value
# operation -> the semantic 422s a schema-valid request may get: what its data says, which
# no schema can state (a callback host the policy refuses, a detection the generation lacks)
SEMANTIC_REJECTIONS: dict[str, frozenset[str]] = {
    "POST /generate": _PRD | {"callback_url_refused"},
    "POST /generate/plan": _PRD,
    "POST /feedback/patterns": _IDEMPOTENCY
    | {"unknown_detection", "pattern_mismatch", "verdict_does_not_fit", "detection_required"},
    # `files` keys may not hold NUL (PostgreSQL text cannot): pydantic states that constraint
    # on dict keys nowhere in the schema (no propertyNames), so such a body looks valid
    "POST /generations/{generation_id}/feedback": _IDEMPOTENCY | {"invalid_input"},
    **{f"GET /analytics/{view}": _WINDOW for view in ("performance", "feedback", "mixins")},
    "GET /analytics/patterns": _WINDOW,
    "GET /analytics/events": _WINDOW,
    "GET /patterns/metrics": _WINDOW,
}


@schemathesis.check
def rejections_are_semantic(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A valid request to these operations is answered, or rejected only for what its data
    says (SEMANTIC_REJECTIONS)."""
    del ctx
    allowed = SEMANTIC_REJECTIONS.get(case.operation.label)
    if allowed is None or response.status_code != 422:
        return None
    try:
        code = json.loads(response.content).get("error")
    except ValueError:
        raise AssertionError("a 422 without a JSON error body") from None
    if code == "verification_failed":
        raise AssertionError("generated code failed verification: valid input must give a package")
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and code not in allowed:
        raise AssertionError(f"a schema-valid request was rejected with 422 {code!r}")
    return None
