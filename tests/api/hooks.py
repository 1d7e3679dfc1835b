"""schemathesis hooks of `make test-api` (loaded through tests/api/schemathesis.toml).

A schema cannot say "this PRD states no requirement": `/generate` and `/generate/plan` answer
a schema-valid PRD in which analysis finds nothing to build with a 422 whose `error` says so.
The built-in positive-data check accepts a 422 on those two operations (schemathesis.toml);
this check then holds them to exactly those semantic answers, so any other rejection of a
valid request (an empty PRD the schema allowed, `verification_failed` for valid input, ...)
still fails the run.
"""

import json

import schemathesis
from schemathesis import Case, CheckContext, Response

PRD_OPERATIONS = frozenset({"POST /generate", "POST /generate/plan"})
# what analysis can say of a PRD the schema accepts: no requirement-like statement, or
# requirements with no evidence of any node kind
SEMANTIC_REJECTIONS = frozenset({"no_requirements", "no_node_evidence"})


@schemathesis.check
def prd_rejections_are_semantic(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A valid request to a PRD operation is answered, or rejected only for what the PRD says."""
    del ctx
    if case.operation.label not in PRD_OPERATIONS or response.status_code != 422:
        return None
    try:
        code = json.loads(response.content).get("error")
    except ValueError:
        raise AssertionError("a 422 without a JSON error body") from None
    if code == "verification_failed":
        raise AssertionError("generated code failed verification: valid input must give a package")
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and code not in SEMANTIC_REJECTIONS:
        raise AssertionError(f"a schema-valid request was rejected with 422 {code!r}")
    return None
