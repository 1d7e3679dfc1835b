"""Every route but the public ones is guarded, and its OpenAPI says so: the bearer scheme,
401 (and 403 where a scope is needed, 429 where rate-limited) with the one error body."""

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from app.auth.guard import Guard
from tests.test_errors import APP, OPENAPI

PUBLIC = ("/health", "/metrics", "/docs", "/redoc", "/openapi.json")
SCOPES = {
    ("POST", "/generate"): ("generate", "generate"),
    ("POST", "/generate/plan"): ("generate", "generate"),
    ("GET", "/generations"): ("generate", None),
    ("GET", "/generations/{generation_id}"): ("generate", None),
    ("GET", "/generations/{generation_id}/archive"): ("generate", None),
    ("POST", "/mixins/feedback"): ("feedback", "feedback"),
    ("POST", "/feedback/patterns"): ("feedback", "feedback"),
    ("POST", "/generations/{generation_id}/feedback"): ("feedback", "feedback"),
    ("POST", "/mixins/model/train"): ("admin", None),
    ("GET", "/patterns/metrics"): ("feedback", None),
    ("GET", "/patterns/thresholds"): ("feedback", None),
    ("POST", "/patterns/tune"): ("admin", None),
    ("POST", "/patterns/thresholds/{pattern}/rollback"): ("admin", None),
    ("GET", "/mixins"): (None, None),
    ("GET", "/mixins/model"): (None, None),
    ("GET", "/mixins/compatibility"): (None, None),
    ("POST", "/mixins/predict"): (None, None),
    ("POST", "/mixins/recommend"): (None, None),
    ("GET", "/webhooks/deliveries"): ("admin", None),
    ("POST", "/webhooks/deliveries/{delivery_id}/replay"): ("admin", None),
    ("GET", "/analytics/performance"): ("feedback", None),
    ("GET", "/analytics/feedback"): ("feedback", None),
    ("GET", "/analytics/mixins"): ("feedback", None),
    ("GET", "/analytics/patterns"): ("feedback", None),
    ("GET", "/events"): ("generate", None),
    ("GET", "/events/parked"): ("admin", None),
    ("POST", "/events/parked/{event_id}/replay"): ("admin", None),
    ("GET", "/analytics/events"): ("feedback", None),
    ("POST", "/alerts/webhook"): ("admin", None),
    ("GET", "/alerts"): ("feedback", None),
}


def _guards(dependant: Dependant) -> list[Guard]:
    found = [dependant.call] if isinstance(dependant.call, Guard) else []
    for sub in dependant.dependencies:
        found += _guards(sub)
    return found


def _public(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in PUBLIC)


def test_every_non_public_route_is_guarded_as_documented() -> None:
    seen = set()
    for context in iter_route_contexts(APP.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or _public(route.path):
            continue
        guards = _guards(route.dependant)
        assert len(guards) == 1, f"{route.path} has no access-control guard"
        for method in route.methods - {"HEAD"}:
            seen.add((method, route.path))
            scope, rate = SCOPES[(method, route.path)]  # a new route: say its scope here
            assert (guards[0].scope, guards[0].rate) == (scope, rate), route.path
    assert seen == set(SCOPES)


def test_openapi_declares_the_scheme_and_the_statuses() -> None:
    scheme = OPENAPI["components"]["securitySchemes"]["ApiKey"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    for path, item in OPENAPI["paths"].items():
        for method, operation in item.items():
            if _public(path):
                assert "security" not in operation and "401" not in operation["responses"]
                continue
            scope, rate = SCOPES[(method.upper(), path)]
            responses = operation["responses"]
            assert operation["security"] == [{"ApiKey": []}], (method, path)
            assert "WWW-Authenticate" in responses["401"]["headers"], (method, path)
            assert ("403" in responses) == (scope is not None), (method, path)
            assert ("429" in responses) == (rate is not None), (method, path)
            if rate is not None:
                assert "Retry-After" in responses["429"]["headers"]
            for status in ("401", "403", "429"):
                if status in responses:
                    content = responses[status]["content"]["application/json"]
                    assert content["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
