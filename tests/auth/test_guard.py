"""`auth.mode=keys`: 401 without a valid key, 403 without the scope, 429 over the limit, all in
the one error shape and declared in each route's OpenAPI; open mode needs no key."""

import logging
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth import keys
from app.auth.guard import AuthService
from app.config import AuthSettings
from tests.auth.conftest import MakeKey
from tests.auth.test_openapi import SCOPES
from tests.test_errors import OPENAPI, assert_error_shape

FEEDBACK = {"node_kind": "effect", "mixins": ["MixinCaching"], "success": True}


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.usefixtures("keys_mode")
async def test_missing_invalid_and_revoked_keys_are_401(
    client: AsyncClient, make_key: MakeKey, app_state: dict[str, Any]
) -> None:
    info, key = await make_key("generate")
    async with app_state["sessionmaker"]() as session, session.begin():
        await keys.revoke(session, info.id)
    cases = {
        "no header": {},
        "not bearer": {"Authorization": f"Basic {key}"},
        "unknown key": _bearer(keys.new_key()),
        "garbage": _bearer("x" * 500),
        "revoked": _bearer(key),
    }
    for name, headers in cases.items():
        response = await client.get("/generations", headers=headers)
        assert response.status_code == 401, name
        assert response.headers["www-authenticate"] == "Bearer", name
        assert_error_shape(response.json(), "unauthorized")
    revoked = await client.get("/generations", headers=_bearer(key))
    assert "revoked" in revoked.json()["detail"]


@pytest.mark.usefixtures("keys_mode")
async def test_scopes(client: AsyncClient, make_key: MakeKey) -> None:
    _, feedback = await make_key("feedback")
    _, generate = await make_key("generate")
    _, admin = await make_key("admin")
    forbidden = await client.get("/generations", headers=_bearer(feedback))
    assert forbidden.status_code == 403
    assert_error_shape(forbidden.json(), "forbidden")
    assert forbidden.json()["required_scope"] == "generate"
    assert (await client.get("/generations", headers=_bearer(generate))).status_code == 200
    assert (await client.get("/generations", headers=_bearer(admin))).status_code == 200
    # reads under /mixins: any valid key; feedback: `feedback`; training: `admin`
    for key in (feedback, generate, admin):
        assert (await client.get("/mixins/model", headers=_bearer(key))).status_code == 200
    assert (await client.get("/mixins/model")).status_code == 401
    sent = await client.post("/mixins/feedback", json=FEEDBACK, headers=_bearer(feedback))
    assert sent.status_code == 201
    no_scope = await client.post("/mixins/feedback", json=FEEDBACK, headers=_bearer(generate))
    assert no_scope.status_code == 403 and no_scope.json()["required_scope"] == "feedback"
    train = await client.post("/mixins/model/train", headers=_bearer(generate))
    assert train.status_code == 403 and train.json()["required_scope"] == "admin"
    # admin passes the guard (409: this test's database has nothing to train on)
    assert (await client.post("/mixins/model/train", headers=_bearer(admin))).status_code == 409


@pytest.mark.usefixtures("keys_mode")
async def test_public_routes_need_no_key(client: AsyncClient) -> None:
    for path in ("/health/live", "/openapi.json", "/docs", "/metrics"):
        assert (await client.get(path)).status_code == 200, path
    assert (await client.get("/health")).status_code in (200, 503)


async def test_rate_limit_per_key_is_429_with_retry_after(
    client: AsyncClient, make_key: MakeKey, keys_mode: AuthService
) -> None:
    _, first = await make_key("feedback")
    _, second = await make_key("feedback")
    limit = keys_mode.settings.feedback_rate  # 2/minute
    statuses = [
        (await client.post("/mixins/feedback", json=FEEDBACK, headers=_bearer(first))).status_code
        for _ in range(2)
    ]
    assert statuses == [201, 201]
    over = await client.post("/mixins/feedback", json=FEEDBACK, headers=_bearer(first))
    assert over.status_code == 429, limit
    assert_error_shape(over.json(), "rate_limited")
    retry = int(over.headers["retry-after"])
    assert 0 < retry <= 60 and over.json()["retry_after_s"] == retry
    # the budget is the key's: another key still gets through
    other = await client.post("/mixins/feedback", json=FEEDBACK, headers=_bearer(second))
    assert other.status_code == 201


async def test_open_mode_needs_no_key_and_limits_per_address(
    client: AsyncClient, app_state: dict[str, Any]
) -> None:
    assert (await client.get("/generations")).status_code == 200
    assert (await client.post("/mixins/feedback", json=FEEDBACK)).status_code == 201
    original = app_state["auth"]
    tight = AuthService(AuthSettings(feedback_rate="1/minute"), app_state["sessionmaker"])
    app_state["auth"] = tight
    try:
        assert (await client.post("/mixins/feedback", json=FEEDBACK)).status_code == 201
        over = await client.post("/mixins/feedback", json=FEEDBACK)
        assert over.status_code == 429 and "retry-after" in over.headers
    finally:
        app_state["auth"] = original


async def test_use_is_recorded(
    client: AsyncClient, make_key: MakeKey, keys_mode: AuthService
) -> None:
    info, key = await make_key("generate")
    assert info.last_used_at is None
    assert (await client.get("/generations", headers=_bearer(key))).status_code == 200
    sessionmaker: async_sessionmaker[AsyncSession] = keys_mode.sessionmaker
    async with sessionmaker() as session:
        [stored] = [k for k in await keys.listing(session) if k.id == info.id]
    assert stored.last_used_at is not None and stored.last_used_at.tzinfo is not None


def test_open_mode_warns_at_startup(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="app.auth.guard"):
        AuthService(AuthSettings(), None).announce()  # type: ignore[arg-type]
        AuthService(AuthSettings(mode="keys"), None).announce()  # type: ignore[arg-type]
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1 and "auth.mode=open" in warned[0].getMessage()


@pytest.mark.usefixtures("keys_mode")
async def test_every_guarded_operation_is_401_without_a_key_and_403_without_its_scope(
    client: AsyncClient, make_key: MakeKey
) -> None:
    """Swept from the OpenAPI: each operation with a security requirement, sent without a key
    and with a key of a scope it does not accept; the status is declared, the shape is one."""
    _, nobody = await make_key("feedback", name="feedback only")
    _, other = await make_key("generate", name="generate only")
    swept = 0
    for path, item in OPENAPI["paths"].items():
        for method, operation in item.items():
            if "security" not in operation:
                continue
            url = path.replace("{generation_id}", "no-such-id")
            response = await client.request(method.upper(), url)
            assert response.status_code == 401, (method, path)
            assert response.headers["www-authenticate"] == "Bearer"
            assert_error_shape(response.json(), "unauthorized")
            assert "401" in operation["responses"]
            if "403" in operation["responses"]:
                needed = SCOPES.get((method.upper(), path), (None, None))[0]
                wrong = other if needed == "feedback" else nobody
                denied = await client.request(method.upper(), url, headers=_bearer(wrong))
                assert denied.status_code == 403, (method, path)
                assert_error_shape(denied.json(), "forbidden")
            swept += 1
    assert swept >= 12
