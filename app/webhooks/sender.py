"""One delivery attempt: check the URL against the policy (it may have changed since enqueue),
resolve its host once, refuse a non-public answer, and POST the signed body to that pinned
address with the original `Host` header (and, for https, the original name as TLS SNI and
certificate name). Redirects are not followed (a 3xx is a failed attempt), the whole attempt
is bounded by `webhooks.timeout_s`, and at most `webhooks.max_response_bytes` of the answer is
read. httpx is the client (already the project's); no environment proxy is used (a proxy
would resolve the name itself)."""

import asyncio
import logging
import time
from dataclasses import dataclass

import httpx

from app.config import WebhooksSettings
from app.webhooks import policy, signing
from app.webhooks.errors import CallbackUrlRefused
from app.webhooks.repo import Due

log = logging.getLogger(__name__)
USER_AGENT = "onex-codegen-webhooks/1"


@dataclass(frozen=True)
class Result:
    ok: bool
    status: int | None = None  # the receiver's HTTP status, when it answered
    error: str | None = None


def build_request(
    client: httpx.AsyncClient,
    target: policy.Target,
    address: str,
    body: bytes,
    headers: dict[str, str],
) -> httpx.Request:
    """The request to `address` (the pinned IP) that the receiver sees as one to `target`."""
    pinned = target.url.copy_with(host=address)
    extensions = {"sni_hostname": target.host} if target.url.scheme == "https" else {}
    headers = {**headers, "Host": target.url.netloc.decode("ascii")}
    return client.build_request(
        "POST", pinned, content=body, headers=headers, extensions=extensions
    )


def signed_headers(secret: str, delivery: Due, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        signing.ID_HEADER: delivery.event_id,
        signing.TIMESTAMP_HEADER: str(timestamp),
        signing.SIGNATURE_HEADER: signing.sign(secret, body, timestamp),
    }


async def _read_some(response: httpx.Response, limit: int) -> bytes:
    head = b""
    async for chunk in response.aiter_raw():
        head += chunk
        if len(head) >= limit:
            break
    return head[:limit]


class Sender:
    def __init__(
        self,
        settings: WebhooksSettings,
        resolver: policy.Resolver = policy.resolve,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.resolver = resolver
        self.client = httpx.AsyncClient(
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(settings.timeout_s),
            # a connection belongs to one pinned attempt: none is kept for another host name
            limits=httpx.Limits(max_keepalive_connections=0),
            transport=transport,
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def attempt(self, delivery: Due) -> Result:
        try:
            async with asyncio.timeout(self.settings.timeout_s):
                return await self._attempt(delivery)
        except TimeoutError:
            return Result(False, error=f"timed out after {self.settings.timeout_s} s")
        except CallbackUrlRefused as exc:
            return Result(False, error=f"refused: {exc.reason}")
        except Exception as exc:  # any other failure is a failed attempt too (counted, parked)
            return Result(False, error=f"{type(exc).__name__}: {exc}"[:500])

    async def _attempt(self, delivery: Due) -> Result:
        if self.settings.secret is None:
            raise CallbackUrlRefused(delivery.url, "webhooks.secret is not set")
        target = policy.check_url(delivery.url, self.settings)
        address = await policy.pin(target, self.settings, self.resolver)
        body = delivery.body.encode()
        headers = signed_headers(self.settings.secret, delivery, body, int(time.time()))
        request = build_request(self.client, target, address, body, headers)
        response = await self.client.send(request, stream=True)
        try:
            head = await _read_some(response, self.settings.max_response_bytes)
        finally:
            await response.aclose()
        status = response.status_code
        if 200 <= status < 300:
            return Result(True, status)
        if 300 <= status < 400:
            where = response.headers.get("location", "(no Location)")
            return Result(False, status, f"HTTP {status} redirect to {where[:200]} not followed")
        text = head.decode("utf-8", "replace")
        return Result(False, status, f"HTTP {status}: {text}")
