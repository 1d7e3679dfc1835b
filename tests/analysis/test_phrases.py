"""Names read like hand-written code: verb + object, domain topics, no weak verbs."""

import pytest

from app.analysis import operations, phrases
from app.analysis.planner import _topic


@pytest.mark.parametrize(
    ("text", "verb", "obj"),
    [
        ("The system must store the vector embeddings in a database.", "store", ["embeddings"]),
        ("Manager approves, rejects, or returns the request.", "approve", ["request"]),
        ("Employee creates an expense request as a draft.", "create", ["expense", "request"]),
        ("Speed increases every 10 seconds to raise difficulty", "increase", ["speed"]),
        ("Passwords are hashed before storage.", "hash", ["passwords"]),
        ("As a data engineer, I want to load the raw data into Snowflake", "load", ["data"]),
        (
            "WHEN a notification is received THEN the system SHALL analyze the content",
            "analyze",
            ["content"],
        ),
        ("Display high score if available", "display", ["score"]),
    ],
)
def test_verb_object(text: str, verb: str, obj: list[str]) -> None:
    assert phrases.verb_object(text) == (verb, obj)


@pytest.mark.parametrize(
    ("kind", "text", "name"),
    [
        (
            "EFFECT",
            "System MUST support all currencies offered by the provider",
            "handle_currencies",
        ),
        ("EFFECT", "Centralized model storage", "store_model"),
        ("COMPUTE", "Hyperparameter tuning", "tune_hyperparameter"),
        ("EFFECT", "FastAPI REST API", "serve_rest_api"),
    ],
)
def test_operation_names_avoid_weak_verbs(kind: operations.NodeKind, text: str, name: str) -> None:
    verb, obj = operations._verb_and_object(kind, text)
    assert f"{verb}_{obj}" == name


def test_topic_skips_story_roles_and_generic_words() -> None:
    texts = [
        "As a data engineer, I want to extract departures from the transport API.",
        "As a data engineer, I want the service to store transport departures.",
        "The service must record every request time for departures.",
    ]
    assert _topic(texts, "city_transport", frozenset({"transport"})) == "transport"
    assert _topic(["The system must handle requests."], "unit_converter_library") == "converter"
