"""External systems are recognised by name from the catalogue, and unnamed ones by pattern."""

import keyword

import pytest

from app.analysis import markdown
from app.analysis.externals import catalogue, extract, systems_in


def _found(text: str) -> dict[str, str]:
    return {s.label: s.category for s in extract(markdown.parse(text), {})}


@pytest.mark.parametrize(
    ("text", "label", "category"),
    [
        ("The bot posts a summary to Discord and moves the card in Trello.", "Discord", "chat"),
        (
            "The bot posts a summary to Discord and moves the card in Trello.",
            "Trello",
            "project_management",
        ),
        ("Sensors publish readings over MQTT every minute.", "MQTT", "iot_protocol"),
        ("Reminders are sent as SMS through Twilio.", "Twilio", "sms"),
        ("Bookings are mirrored to Google Calendar.", "Google Calendar", "calendar"),
        ("Balances are read from the Solana RPC.", "Solana RPC", "blockchain_rpc"),
        (
            "Images are pushed to the GitHub Container Registry.",
            "GitHub Container Registry",
            "container_registry",
        ),
    ],
)
def test_named_systems_get_their_name_and_category(text: str, label: str, category: str) -> None:
    assert _found(f"- {text}").get(label) == category


def test_a_generic_phrase_beside_a_named_system_describes_it() -> None:
    found = _found("- Payments go through the Stripe payment gateway.")
    assert "Stripe" in found and "Payment Gateway" not in found
    assert "Payment Gateway" in _found("- Payments go through a payment gateway.")


def test_uncatalogued_brand_before_api_is_a_system_but_ordinary_words_are_not() -> None:
    found = _found("- Departures come from the BVG API; payouts use the OxaPay webhook.")
    assert found.get("BVG") == "http_api" and found.get("OxaPay") == "http_api"
    assert _found("- Clients call the Public API and the REST API.") == {"REST API": "http_api"}


def test_ordinary_words_that_are_also_product_names_do_not_match() -> None:
    text = "A square table, a line of text, a signal, a box and a circle in the notion of time."
    assert systems_in(text) == []


def test_code_blocks_count_for_named_systems_only() -> None:
    text = "- Deliver mail.\n\n```mermaid\ngraph LR\n  EMAIL[SendGrid] --> CACHE[cache]\n```\n"
    assert set(_found(text)) == {"SendGrid"}


def test_catalogue_names_are_identifiers() -> None:
    names = {known.name for known in catalogue().values()}
    assert len(names) >= 300
    assert all(n.isidentifier() and not keyword.iskeyword(n) for n in names)
