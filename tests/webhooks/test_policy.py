"""The SSRF policy: schemes, the host allow-list, refused address classes (IPv4-mapped IPv6
too), names resolving to private addresses; DNS resolved once per attempt and the connection
made to that pinned address (no rebinding); signatures and their replay window."""

import asyncio
import time
from collections.abc import Callable

import httpx
import pytest

from app.config import WebhooksSettings
from app.webhooks import policy
from app.webhooks.errors import CallbackUrlRefused
from app.webhooks.repo import Due
from app.webhooks.sender import Sender, build_request
from app.webhooks.signing import sign, verify_signature
from tests.webhooks.conftest import SECRET, Hooks
from tests.webhooks.receiver import running

PUBLIC = "93.184.215.14"


def _settings(**changes: object) -> WebhooksSettings:
    base = {"allowed_hosts": ["*"], "secret": "s"}
    hosts = ["hooks.example.com", "*.example.org", "127.0.0.1", "10.1.2.3", "169.254.169.254"]
    hosts += ["::1", "::ffff:127.0.0.1", "private.example.com", PUBLIC]
    return WebhooksSettings.model_validate({**base, "allowed_hosts": hosts, **changes})


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/hook", "loopback"),
        ("http://10.1.2.3/hook", "private"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://[::1]/hook", "loopback"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),
        ("http://not-listed.example.com/hook", "not in webhooks.allowed_hosts"),
        ("http://example.org/hook", "not in webhooks.allowed_hosts"),  # *.example.org: subs only
        ("http://evil-example.org/hook", "not in webhooks.allowed_hosts"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("gopher://hooks.example.com/", "scheme 'gopher'"),
        ("http://user:pw@hooks.example.com/", "credentials"),
        ("http://", "no host"),
    ],
)
def test_refused_urls_say_why(url: str, reason: str) -> None:
    with pytest.raises(CallbackUrlRefused) as refused:
        policy.check_url(url, _settings())
    assert reason in refused.value.reason and reason in refused.value.detail
    assert refused.value.status_code == 422 and refused.value.code == "callback_url_refused"


def test_allowed_urls_and_the_allow_private_switch() -> None:
    settings = _settings()
    assert policy.check_url("https://hooks.example.com/x", settings).port == 443
    assert policy.check_url("http://a.b.example.org:8080/x", settings).host == "a.b.example.org"
    assert policy.check_url("http://HOOKS.example.com./x", settings).host == "hooks.example.com"
    assert policy.check_url(f"http://{PUBLIC}/x", settings).port == 80
    private = _settings(allow_private=True)
    for url in ("http://127.0.0.1/x", "http://[::ffff:127.0.0.1]/x", "http://10.1.2.3/x"):
        policy.check_url(url, private)
    with pytest.raises(CallbackUrlRefused, match="secret"):
        policy.check_url("https://hooks.example.com/x", _settings(secret=None))


@pytest.mark.parametrize(
    "address", ["127.0.0.2", "10.0.0.7", "192.168.1.1", "172.16.0.1", "169.254.169.254", "::1",
                "fe80::1", "fc00::1", "::ffff:10.0.0.1", "0.0.0.0", "224.0.0.1", "100.64.0.1",
                "240.0.0.1"],
)  # fmt: skip
def test_a_name_resolving_to_a_refused_address_is_refused(address: str) -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return [PUBLIC, address]  # one bad answer refuses them all

    target = policy.check_url("https://private.example.com/x", _settings())
    with pytest.raises(CallbackUrlRefused, match="resolves to a refused address"):
        asyncio.run(policy.pin(target, _settings(), resolver))


def test_the_attempt_connects_to_the_pinned_address_with_the_original_name() -> None:
    target = policy.check_url("https://hooks.example.com:8443/x?y=1", _settings())
    client = httpx.AsyncClient()
    request = build_request(client, target, "2001:db8::5", b"{}", {"X-A": "b"})
    assert request.url.host == "2001:db8::5" and request.url.port == 8443
    assert request.url.path == "/x" and request.url.query == b"y=1"
    assert request.headers["host"] == "hooks.example.com:8443"
    assert request.extensions["sni_hostname"] == "hooks.example.com"  # TLS name and cert check
    asyncio.run(client.aclose())


def _counting(answers: list[str]) -> tuple[policy.Resolver, Callable[[], int]]:
    calls: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return [answers[min(len(calls), len(answers)) - 1]]

    return resolver, lambda: len(calls)


def test_a_refused_resolution_makes_no_connection() -> None:
    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"connected to {request.url}")

    resolver, calls = _counting(["10.9.8.7"])
    sender = Sender(_settings(), resolver, httpx.MockTransport(never))
    delivery = Due("d", "e", "https://private.example.com/x", "{}", 0)
    result = asyncio.run(sender.attempt(delivery))
    assert not result.ok and result.error is not None and "10.9.8.7" in result.error
    assert calls() == 1


async def test_dns_is_resolved_once_per_attempt_and_the_connection_goes_there(
    hooks: Hooks,
) -> None:
    # `hook.test` resolves nowhere for the system: only the pinned 127.0.0.1 reaches the
    # receiver. A third lookup (a second one in either attempt) would get the metadata address.
    async with running(SECRET) as receiver:
        receiver.script = [500]  # two attempts: two lookups, one each
        resolver, calls = _counting(["127.0.0.1", "127.0.0.1", "169.254.169.254"])
        delivery_id = await hooks.enqueue(receiver.url("hook.test"), event_id="evt-pinned")
        runtime = hooks.runtime(resolver)
        try:
            row = await hooks.drive(runtime, delivery_id, "delivered")
        finally:
            await runtime.close()
    assert row.attempts == 2 and calls() == 2
    assert [s.peer for s in receiver.seen] == ["127.0.0.1", "127.0.0.1"]
    assert {s.headers["host"] for s in receiver.seen} == {f"hook.test:{receiver.port}"}


def test_signatures_and_the_replay_window() -> None:
    body, now = b'{"a":1}', int(time.time())
    header = sign("k", body, now)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert verify_signature("k", body, header, str(now), 300)
    assert not verify_signature("k", body, header, str(now + 1), 300)  # the stamp is signed
    assert not verify_signature("k", body, header, now, 300, now=now + 301)  # too old
    assert not verify_signature("k", body, header, now, 300, now=now - 301)  # from the future
    assert not verify_signature("k", body, header, "soon", 300)
    assert not verify_signature("k", body, None, now, 300)
