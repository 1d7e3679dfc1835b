"""Webhook signatures, for the sender and for receivers.

Each request carries `X-Webhook-Timestamp: <unix seconds>` and
`X-Signature-256: sha256=<hex HMAC-SHA256 over "<timestamp>.<body>" with webhooks.secret>`.
A receiver recomputes the HMAC over the raw body bytes it got and rejects the request unless the
signature matches (constant-time) and the timestamp is within its replay window of its own clock
(`webhooks.replay_window_s`, 300 s by default): a captured request cannot be replayed later, and
the timestamp cannot be changed without breaking the signature. `X-Webhook-Id` (the event id) is
the same on every retry of one event: receivers de-duplicate on it (delivery is at least once).
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Signature-256"
TIMESTAMP_HEADER = "X-Webhook-Timestamp"
ID_HEADER = "X-Webhook-Id"
PREFIX = "sha256="


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The X-Signature-256 value for `body` sent at `timestamp`."""
    message = str(timestamp).encode() + b"." + body
    return PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(
    secret: str,
    body: bytes,
    header: str | None,
    timestamp: str | int | None,
    window_s: float,
    now: float | None = None,
) -> bool:
    """True when `header` is the signature of `body` at `timestamp` and `timestamp` is within
    `window_s` seconds of `now` (default: this machine's clock), either way."""
    if not header or timestamp is None:
        return False
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - sent) > window_s:
        return False
    return hmac.compare_digest(sign(secret, body, sent), header.strip())
