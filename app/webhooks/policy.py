"""The SSRF policy: which callback URLs may be called and which addresses may be connected to.

A URL must be http or https, carry no credentials, and name a host in `webhooks.allowed_hosts`
(exactly, or under a `*.suffix` entry). Its host is resolved once per attempt (`resolve`), every
address it resolves to must be public (no loopback, private, link-local, multicast, reserved,
unspecified or otherwise non-global address, IPv4-mapped IPv6 included) unless
`webhooks.allow_private`, and the request is then sent to that pinned address (sender.py): a
second lookup that could answer differently (DNS rebinding) never happens.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from app.config import WebhooksSettings
from app.webhooks.errors import CallbackUrlRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
MAX_URL_LENGTH = 2048
_SPECIAL = ("loopback", "unspecified", "link_local", "multicast", "private", "reserved")


@dataclass(frozen=True)
class Target:
    """A checked URL: what to connect to is decided per attempt, from `host`."""

    url: httpx.URL
    host: str  # lower case, no trailing dot
    port: int


def _default_port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def host_allowed(host: str, allowed: list[str]) -> bool:
    for entry in (a.strip().lower().rstrip(".") for a in allowed):
        if host == entry or (entry.startswith("*.") and host.endswith(entry[1:])):
            return True
    return False


def address_refusal(address: str, allow_private: bool) -> str | None:
    """Why connecting to `address` is refused (None: it may be connected to)."""
    try:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if allow_private:
        return None
    for kind in _SPECIAL:
        if getattr(ip, f"is_{kind}"):
            return f"{ip} is a {kind.replace('_', '-')} address"
    if not ip.is_global:  # shared (100.64/10), benchmarking, documentation, 6to4 of such, ...
        return f"{ip} is not a globally routable address"
    return None


def check_url(url: str, settings: WebhooksSettings) -> Target:
    """Refuse (CallbackUrlRefused, with the reason) a URL the policy does not allow; no DNS
    lookup happens here (it happens per attempt, and its answer is checked then)."""
    if settings.secret is None:
        raise CallbackUrlRefused(url, "webhooks are not configured (webhooks.secret is not set)")
    if len(url) > MAX_URL_LENGTH:
        raise CallbackUrlRefused(url, f"longer than {MAX_URL_LENGTH} characters")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise CallbackUrlRefused(url, f"not a valid URL ({exc})") from None
    if parsed.scheme not in ("http", "https"):
        raise CallbackUrlRefused(url, f"scheme {parsed.scheme or '(none)'!r} is not http or https")
    if parsed.userinfo:
        raise CallbackUrlRefused(url, "credentials in the URL are not accepted")
    host = parsed.host.lower().rstrip(".")
    if not host:
        raise CallbackUrlRefused(url, "no host")
    if not host_allowed(host, settings.allowed_hosts):
        raise CallbackUrlRefused(url, f"host {host!r} is not in webhooks.allowed_hosts")
    if _is_ip(host) and (reason := address_refusal(host, settings.allow_private)):
        raise CallbackUrlRefused(url, reason)
    return Target(parsed, host, _default_port(parsed))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (an IP literal: itself), in the resolver's order."""
    if _is_ip(host):
        return [host]
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def pin(target: Target, settings: WebhooksSettings, resolver: Resolver) -> str:
    """Resolve `target`'s host once and return the address to connect to; refused when it
    resolves to nothing or to any address the policy refuses (one bad answer refuses all:
    a resolver mixing public and private answers is not trusted with either)."""
    try:
        addresses = await resolver(target.host, target.port)
    except OSError as exc:
        unresolved = f"{target.host!r} does not resolve ({exc})"
        raise CallbackUrlRefused(str(target.url), unresolved) from None
    if not addresses:
        raise CallbackUrlRefused(str(target.url), f"{target.host!r} resolves to no address")
    for address in addresses:
        if reason := address_refusal(address, settings.allow_private):
            raise CallbackUrlRefused(
                str(target.url), f"{target.host!r} resolves to a refused address: {reason}"
            )
    return addresses[0].split("%", 1)[0]
