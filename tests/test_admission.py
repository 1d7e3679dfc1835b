"""Admission control: bounded running and waiting requests, refusals are quick 503s."""

import asyncio

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from app.admission import Admission, Overloaded
from app.config import AdmissionSettings, Settings
from app.main import create_app
from tests.analysis.pathological import corpus


async def _hold(admission: Admission, release: asyncio.Event) -> None:
    async with admission.slot():
        await release.wait()


async def test_a_full_queue_is_refused_at_once_with_retry_after() -> None:
    admission = Admission(AdmissionSettings(max_concurrent=1, max_queued=1, retry_after_s=7))
    release = asyncio.Event()
    holders = [asyncio.create_task(_hold(admission, release)) for _ in range(2)]
    await asyncio.sleep(0)
    assert (admission.running, admission.queued) == (1, 1)
    with pytest.raises(Overloaded) as refused:
        async with admission.slot():
            pass
    assert refused.value.status_code == 503
    assert refused.value.headers == {"Retry-After": "7"}
    release.set()
    await asyncio.gather(*holders)
    assert (admission.running, admission.queued) == (0, 0)


async def test_waiting_too_long_is_refused_and_frees_its_place() -> None:
    admission = Admission(AdmissionSettings(max_concurrent=1, max_queued=5, max_wait_s=0.05))
    release = asyncio.Event()
    holder = asyncio.create_task(_hold(admission, release))
    await asyncio.sleep(0)
    with pytest.raises(Overloaded, match=r"within 0\.05 s"):
        async with admission.slot():
            pass
    assert admission.queued == 0
    release.set()
    await holder
    async with admission.slot():  # the slot came back
        assert admission.running == 1


async def test_a_failing_request_gives_its_slot_back() -> None:
    admission = Admission(AdmissionSettings(max_concurrent=1, max_queued=0))
    with pytest.raises(RuntimeError):
        async with admission.slot():
            raise RuntimeError("boom")
    async with admission.slot():
        assert admission.running == 1


async def test_generate_plan_answers_503_overloaded_when_saturated(settings: Settings) -> None:
    busy = settings.model_copy(deep=True)
    busy.admission = AdmissionSettings(max_concurrent=1, max_queued=0, retry_after_s=3)
    heavy = corpus()["headings_deep"]
    markdown = {"Content-Type": "text/markdown"}
    async with LifespanManager(create_app(busy), startup_timeout=120) as manager:
        transport = ASGITransport(app=manager.app)
        async with AsyncClient(transport=transport, base_url="http://test") as http:
            plan = http.post("/generate/plan", content=heavy, headers=markdown)
            first = asyncio.create_task(plan)
            await asyncio.sleep(0.05)
            refused = await http.post("/generate/plan", content=heavy, headers=markdown)
            assert (await first).status_code in (200, 422)
            after = await http.post("/generate/plan", content=heavy, headers=markdown)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "3"
    assert refused.json()["error"] == "overloaded"
    assert refused.json()["correlation_id"]
    assert after.status_code == first.result().status_code
