"""Analysis in worker processes: results and domain errors come back, a runaway is stopped and
its worker replaced, and the event loop stays free while a worker is busy."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from httpx import AsyncClient

from app.analysis.errors import AnalysisTooComplex, EmptyPrd
from app.analysis.isolated import IsolatedAnalyser
from app.analysis.service import analyse
from tests.analysis.pathological import corpus

PRD = "# Orders\n\n- The service shall store an order.\n- The service shall list orders.\n"


@pytest.fixture(scope="module")
async def analyser() -> AsyncIterator[IsolatedAnalyser]:
    pool = IsolatedAnalyser(workers=1, budget_s=30.0)
    yield pool
    pool.close()


async def test_plan_is_the_same_as_in_process(analyser: IsolatedAnalyser) -> None:
    plan = await analyser.analyse(PRD, project_name="orders")
    assert plan == analyse(PRD, project_name="orders")


async def test_domain_errors_cross_the_process_boundary(analyser: IsolatedAnalyser) -> None:
    with pytest.raises(EmptyPrd) as raised:
        await analyser.analyse("   \n", project_name=None)
    assert raised.value.code == "empty_prd"


async def test_a_runaway_is_stopped_and_its_worker_replaced(analyser: IsolatedAnalyser) -> None:
    slow = "\n".join(f"- The service shall store order kind {i}." for i in range(4000))
    analyser.budget_s = 0.01
    try:
        with pytest.raises(AnalysisTooComplex) as raised:
            await analyser.analyse("# Orders\n\n" + slow, project_name=None)
    finally:
        analyser.budget_s = 30.0
    assert raised.value.code == "prd_too_complex"
    assert raised.value.status_code == 422
    assert (await analyser.analyse(PRD, project_name=None)).nodes  # a fresh worker answers


async def test_liveness_answers_while_the_worst_input_is_analysed(client: AsyncClient) -> None:
    worst = corpus()["headings_deep"]  # the costliest input (scripts/bench_analysis_worst.py)
    planning = asyncio.create_task(
        client.post("/generate/plan", content=worst, headers={"Content-Type": "text/markdown"})
    )
    await asyncio.sleep(0.05)  # the request is in the analysis worker by now
    live = await client.get("/health/live")
    assert live.status_code == 200
    assert not planning.done(), "liveness had to wait for the analysis"
    assert (await planning).status_code in (200, 422)
