"""Formats found by trying PRDs the samples do not cover: a seven-line PRD, a GitHub issue, a
mermaid state diagram, dotted-number requirement lines."""

import pytest

from app.analysis import lexicon
from app.analysis.service import analyse
from tests.analysis.conftest import fixture_text


def test_a_seven_line_prd_gets_the_kind_its_one_strong_requirement_shows() -> None:
    plan = analyse(fixture_text("url_shortener.md"))
    assert {k.kind for k in plan.kinds} == {"COMPUTE"}
    (decision,) = plan.kinds
    assert decision.requirement_ids == ["R-002"]  # base62(SHA-256(normalized URL))


def test_example_addresses_are_not_io_evidence() -> None:
    assert "EFFECT" not in lexicon.kind_hits("prints a code, e.g. for https://example.com/a/b")
    assert "EFFECT" in lexicon.kind_hits("calls the partner API over https")


def test_alternatives_considered_are_not_requirements() -> None:
    plan = analyse(fixture_text("github_issue.md"))
    assert not [r for r in plan.requirements if "XLSX" in r.text or "Emailing" in r.text]
    assert {k.kind for k in plan.kinds} == {"COMPUTE"}  # a formatter: no I/O, state or flow


def test_mermaid_state_diagram_is_the_reducers_state_machine() -> None:
    plan = analyse(fixture_text("mermaid_states.md"))
    (machine,) = plan.state_machines
    assert machine.states == ["received", "preparing", "cancelled", "ready", "picked_up"]
    assert machine.initial_state == "received"
    assert set(machine.terminal_states) == {"cancelled", "picked_up"}
    assert ("ready", "picked_up") in {(t.from_state, t.to_state) for t in machine.transitions}
    (reducer,) = [n for n in plan.nodes if n.kind == "REDUCER"]
    assert reducer.state_machine is not None and reducer.state_machine.name == machine.name


@pytest.mark.parametrize(
    "text",
    [
        # setting a status is not a state, nor is a condition
        "- After the 3rd failed retry the account must be downgraded, status -> `canceled`.\n"
        "- The valve state must be confirmed within 10 s, else abort -> `fault`.\n",
        # the data a "run state" holds are not its states
        "- The system must save the complete run state (bankroll, shooters, hype, bets) "
        "after every roll.\n- The system must load a saved run when the player returns.\n",
    ],
)
def test_text_that_only_looks_like_a_lifecycle_is_not_one(text: str) -> None:
    assert analyse(text).state_machines == []


def test_dotted_number_lines_are_separate_requirements() -> None:
    text = (
        "TEMPERATURE CONVERTER\n\n2. Functional requirements\n\n"
        "2.1 The tool shall convert a value between Celsius and Kelvin.\n"
        "2.2 The tool shall reject values below absolute zero.\n"
        "2.3 The tool shall convert a list of values in one call.\n"
    )
    texts = [r.text for r in analyse(text).requirements]
    assert len(texts) == 3 and texts[2].startswith("The tool shall convert a list")


def test_rfc_2119_boilerplate_is_not_a_requirement() -> None:
    text = (
        "1. The key words MUST, SHALL and MAY in this document are to be interpreted as "
        "described in RFC 2119.\n"
        "2. The agent MUST keep one cursor per file and MUST persist cursors to disk.\n"
        "3. The agent MUST send batches to the endpoint over HTTP.\n"
    )
    texts = [r.text for r in analyse(text).requirements]
    assert len(texts) == 2 and not any("RFC" in t for t in texts)


def test_importance_column_is_metadata_not_requirement_text() -> None:
    text = (
        "| # | Title | User Story | Importance |\n|---|---|---|---|\n"
        "| 1 | Charge | As finance, I want cards charged monthly via Stripe. | Must Have |\n"
        "| 2 | Prorate | As a customer, I want upgrades prorated by remaining days. | Must Have |\n"
    )
    texts = [r.text for r in analyse(text).requirements]
    assert len(texts) == 2 and not any("Importance" in t or "Must Have" in t for t in texts)


def test_states_named_one_at_a_time_across_ears_criteria_make_a_lifecycle() -> None:
    plan = analyse(fixture_text("kiro_token_states.md"))
    (machine,) = plan.state_machines
    assert machine.name == "token_state"
    assert machine.states == ["issued", "used", "expired"]
    (reducer,) = [n for n in plan.nodes if n.kind == "REDUCER"]
    assert reducer.state_machine is not None and reducer.state_machine.name == "token_state"


def test_two_state_mentions_are_not_a_lifecycle() -> None:
    text = (
        "1. WHEN a job starts THEN the system SHALL set its state to `running`.\n"
        "2. WHEN a job ends THEN the system SHALL set its state to `done`.\n"
    )
    assert analyse(text).state_machines == []
