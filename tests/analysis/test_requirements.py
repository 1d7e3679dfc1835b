from app.analysis.markdown import parse
from app.analysis.requirements import extract
from tests.analysis.conftest import fixture_text


def _reqs(text: str) -> dict[str, tuple[str, str]]:
    return {r.id: (r.source, r.text) for r in extract(parse(text)).requirements}


def test_prd_ids_are_kept_and_others_numbered_in_document_order() -> None:
    reqs = _reqs(fixture_text("table_ids.md"))
    assert list(reqs) == [
        "FR-001",
        "FR-002",
        "FR-003",
        "FR-004",
        "FR1",
        "NFR-2",
        "REQ-3",
        "AC-1.2",
        "R-001",
    ]
    assert reqs["FR-002"] == ("table", "The service must store every issued invoice in PostgreSQL")
    assert reqs["FR1"] == ("id", "Totals are computed with banker's rounding.")
    assert reqs["R-001"][1] == "Invoices can be exported as CSV."


def test_table_columns_are_chosen_by_header_and_priority_is_ignored() -> None:
    text = fixture_text("table_ids.md")
    req = extract(parse(text)).requirements[0]
    assert req.text.startswith("The service must calculate invoice totals")
    assert "Notes: rounding to cents" in req.text and "High" not in req.text


def test_glossary_and_out_of_scope_are_not_requirements() -> None:
    texts = [t for _, t in _reqs(fixture_text("table_ids.md")).values()]
    assert not any("fax" in t or "value added tax" in t for t in texts)


def test_ears_and_user_stories_are_recognised() -> None:
    reqs = _reqs(fixture_text("ears_alerts.md"))
    sources = [s for s, _ in reqs.values()]
    assert sources.count("ears") == 6 and sources.count("story") == 2
    assert all(rid.startswith("R-") for rid in reqs)


def test_split_bmad_story_is_joined_and_criteria_and_checkboxes_found() -> None:
    reqs = list(_reqs(fixture_text("stories_checkboxes.md")).values())
    assert (
        "story",
        "As a writer, I want to edit a page in place, so that I can fix mistakes quickly.",
    ) in reqs
    assert [s for s, _ in reqs].count("checkbox") == 3
    assert ("criterion", "Saving a page persists a new revision.") in reqs
    assert any(s == "story" and t.startswith("As a reader") for s, t in reqs)
    assert not any("searchable" in t for _, t in reqs)  # goals are context


def test_plain_text_paragraphs_in_requirement_sections() -> None:
    reqs = _reqs(fixture_text("plain_numbered.txt"))
    texts = [t for _, t in reqs.values()]
    assert texts[0].startswith("Rate Calculation: the fee is computed")
    assert "Wardens must be able to check whether a plate has an active session." in texts
    assert not any("lets drivers pay" in t for t in texts)  # overview is context


def test_code_is_never_a_requirement_and_metadata_is_skipped() -> None:
    text = "# X\n\n**Status**: Draft\n\n## Requirements\n\n```\n- must not appear\n```\n\n"
    text += "- The API must log in users.\n"
    assert [t for _, t in _reqs(text).values()] == ["The API must log in users."]


def test_context_sections_are_used_when_nothing_else_exists() -> None:
    reqs = _reqs("# Tool\n\n## Goals\n\n- Convert CSV files to JSON\n- Validate headers\n")
    assert len(reqs) == 2


def test_duplicate_ids_stay_unique() -> None:
    reqs = _reqs(
        "## Reqs\n\n- FR-1: send mail\n- FR-1: store mail\n- R-001: keep this\n- plain item here\n"
    )
    assert list(reqs) == ["FR-1", "FR-1#2", "R-001", "R-002"]
