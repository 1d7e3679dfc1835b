"""The broker side: FastStream's NATS broker publishing to a JetStream stream, behind a
circuit breaker (purgatory). Each message's `Nats-Msg-Id` is the event id, so a re-send within
the stream's duplicate window is dropped by JetStream (the ack says `duplicate`)."""

import asyncio
import json
import logging
from typing import Any, Literal

import nats.errors
import nats.js.errors
from faststream.nats import NatsBroker
from nats.js.api import StreamConfig
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState
from purgatory.service._async.circuitbreaker import AsyncCircuitBreaker

from app.config import EventsSettings

log = logging.getLogger(__name__)
CIRCUIT = "events.broker"
# the broker refused this message itself: retrying it as it is cannot succeed (counted
# towards parking); every other failure is the broker's (not counted; the breaker opens)
POISON: tuple[type[Exception], ...] = (
    nats.errors.MaxPayloadError,
    nats.js.errors.BadRequestError,
    TypeError,
    ValueError,
)
BreakerState = Literal["closed", "opened", "half-opened"]


class BrokerUnavailable(Exception):
    """The breaker is open, or the broker could not be reached."""


class JetStreamPublisher:
    def __init__(self, settings: EventsSettings) -> None:
        if not settings.broker:
            raise ValueError("events.broker is not configured")
        self.settings = settings
        self.broker = NatsBroker(
            settings.broker,
            connect_timeout=max(1, int(settings.publish_timeout_s)),
            max_reconnect_attempts=-1,  # once connected, nats-py reconnects for ever
            reconnect_time_wait=1,
            logger=None,
        )
        self.breakers = AsyncCircuitBreakerFactory(
            default_threshold=settings.breaker_threshold,
            default_ttl=settings.breaker_reset_s,
            exclude=list(POISON),
        )
        self._ready = False
        self._breaker: AsyncCircuitBreaker | None = None

    @property
    def state(self) -> BreakerState:
        """The breaker's state (as last seen: an open breaker turns half-open on the next try)."""
        if self._breaker is None:
            return "closed"
        state: BreakerState = self._breaker.context.state
        return state

    async def _ensure(self) -> None:
        """Connect and declare the stream (subjects `<prefix>.>`), once per connection."""
        if self._ready and self.broker.connection.is_connected:
            return
        if not self._ready:  # nats-py retries a first connection for ever: bounded here
            await asyncio.wait_for(self.broker.connect(), self.settings.publish_timeout_s)
        js = self.broker.connection.jetstream(timeout=self.settings.publish_timeout_s)
        config = StreamConfig(
            name=self.settings.stream,
            subjects=[f"{self.settings.subject_prefix}.>"],
            duplicate_window=self.settings.duplicate_window_s,
        )
        try:
            await js.add_stream(config)
        except nats.js.errors.BadRequestError:  # it exists with another config: keep it
            log.info("JetStream stream %s exists; kept as it is", self.settings.stream)
        self._ready = True

    async def publish(self, event_id: str, event_type: str, body: dict[str, Any]) -> bool:
        """Publish one event and wait for JetStream's ack; True when JetStream had it already
        (a re-send it de-duplicated). Raises BrokerUnavailable or the broker's error."""
        breaker = self._breaker = await self.breakers.get_breaker(CIRCUIT)
        try:
            async with breaker:
                await self._ensure()
                ack = await self.broker.publish(
                    json.dumps(body, default=str, separators=(",", ":")).encode(),
                    subject=f"{self.settings.subject_prefix}.{event_type}",
                    headers={"Nats-Msg-Id": event_id, "content-type": "application/json"},
                    stream=self.settings.stream,
                    timeout=self.settings.publish_timeout_s,
                )
        except OpenedState as exc:
            raise BrokerUnavailable(str(exc)) from exc
        except POISON:
            raise
        except Exception as exc:
            if isinstance(exc, nats.errors.NoRespondersError):
                self._ready = False  # no stream takes the subject (deleted?): declare it again
            raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc
        return bool(ack.duplicate)

    async def close(self) -> None:
        if self._ready:
            try:
                await self.broker.stop()
            except Exception as exc:  # closing a dead connection
                log.info("closing the NATS connection: %s", exc)
        self._ready = False
