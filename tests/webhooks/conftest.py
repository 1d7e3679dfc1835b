"""Webhook tests drive their own sender against a real receiver on 127.0.0.1: the app's loop
is stopped meanwhile (and restarted after), the policy allows 127.0.0.1 and `hook.test`."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.webhooks import policy
from app.webhooks.models import WebhookDelivery
from app.webhooks.repo import Status, status_of
from app.webhooks.runtime import WebhookRuntime
from app.webhooks.sender import Sender
from app.webhooks.service import Webhooks

SECRET = "test-secret-not-for-production"
HOOKS = {
    "allowed_hosts": ["127.0.0.1", "hook.test"],
    "allow_private": True,
    "secret": SECRET,
    "backoff_base_s": 0.01,
    "backoff_max_s": 0.02,
    "timeout_s": 3.0,
    "max_attempts": 4,
}


class Hooks:
    def __init__(self, app_state: dict[str, Any], settings: Settings) -> None:
        self.sessions: async_sessionmaker[AsyncSession] = app_state["sessionmaker"]
        self.webhooks: Webhooks = app_state["webhooks"]
        self.settings = settings.webhooks

    async def enqueue(self, url: str, event_id: str = "evt-1") -> str:
        payload = {"generation_id": "g-1", "status": "succeeded"}
        async with self.sessions() as session, session.begin():
            return await self.webhooks.enqueue(
                session, url, "generation.completed", event_id, payload
            )

    async def row(self, delivery_id: str) -> WebhookDelivery:
        async with self.sessions() as session:
            row = await session.get(WebhookDelivery, delivery_id)
            assert row is not None
            return row

    def runtime(self, resolver: policy.Resolver = policy.resolve) -> WebhookRuntime:
        return WebhookRuntime(self.settings, self.sessions, Sender(self.settings, resolver))

    async def drive(
        self, runtime: WebhookRuntime, delivery_id: str, until: Status
    ) -> WebhookDelivery:
        """Run the sender until the delivery reaches `until` (bounded: 15 s)."""
        async with asyncio.timeout(15):
            while True:
                await runtime.run_once()
                row = await self.row(delivery_id)
                if status_of(row) == until:
                    return row
                await asyncio.sleep(0.005)  # the next attempt is due after its backoff


@pytest.fixture
async def hooks(
    app_state: dict[str, Any], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Hooks]:
    for name, value in HOOKS.items():
        monkeypatch.setattr(settings.webhooks, name, value)
    loop: WebhookRuntime = app_state["webhook_sender"]
    await loop.stop()
    try:
        yield Hooks(app_state, settings)
    finally:
        loop.start()
