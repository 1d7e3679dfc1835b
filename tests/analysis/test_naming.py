import keyword

import pytest

from app.analysis import naming


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("class", "class_"),
        ("import", "import_"),
        ("list", "list_"),
        ("3D Engine", "n3d_engine"),
        ("../../etc/passwd", "etc_passwd"),
        ("Ünïcödé Café 🚀", "unicode_cafe"),
        ("PaymentIntent API", "payment_intent_api"),
    ],
)
def test_safe_name(text: str, expected: str) -> None:
    assert naming.safe_name(text, fallback="x") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("model_config", "field_model_config"),
        ("copy", "copy_"),
        ("json", "json_"),
        ("dict", "dict_"),
        ("schema", "schema_"),
        ("fields", "fields_"),
        ("_private", "private"),
        ("__dunder__", "dunder"),
        ("9lives", "f9lives"),
        ("def", "def_"),
        ("createdAt", "created_at"),
        ("str", "str_"),
        ("🔥", ""),
    ],
)
def test_field_name_avoids_keywords_and_model_attributes(text: str, expected: str) -> None:
    assert naming.field_name(text) == expected


def test_unique_and_verb_of() -> None:
    assert naming.unique("a", ["a", "a_2"]) == "a_3"
    assert naming.verb_of("approved") == "approve"
    assert naming.verb_of("submitted") == "submit"
    assert naming.verb_of("cancelled") == "cancel"
    assert naming.verb_of("manager_approved") == "manager_approve"
    assert naming.verb_of("paid") == "pay"
    assert naming.verb_of("pending") == "mark_pending"
    assert not keyword.iskeyword(naming.verb_of("def"))


def test_soft_keywords_are_never_field_names() -> None:
    assert naming.field_name("match") == "match_" and naming.field_name("case") == "case_"
    assert naming.field_name("type") == "type_"
