from app.analysis.markdown import clean_heading, parse


def _headings(text: str) -> list[tuple[int, str]]:
    return [(b.level, b.text) for b in parse(text) if b.kind == "heading"]


def test_atx_bold_emoji_and_numbered_headings_are_cleaned() -> None:
    text = (
        "# Title\n\n## **2. Requirements**\n\n# 1. ✅ Functional Requirements\n\n### 🔒 Security\n"
    )
    assert _headings(text) == [
        (1, "Title"),
        (2, "Requirements"),
        (1, "Functional Requirements"),
        (3, "Security"),
    ]


def test_plain_text_document_gets_numbered_lettered_and_uppercase_headings() -> None:
    text = (
        "My Product PRD\n\n1. Executive Summary\n\nSome text here.\n\n3.1 Betting & Dice Engine\n\n"
        "Rolls are random.\n\nSCOPE NOTES\n\nA. Enforcement\n\nWardens check plates.\n"
    )
    assert _headings(text) == [
        (2, "Executive Summary"),
        (3, "Betting & Dice Engine"),
        (2, "SCOPE NOTES"),
        (2, "Enforcement"),
    ]
    paras = [b for b in parse(text) if b.kind == "para"]
    assert paras[0].text == "My Product PRD" and paras[0].path == ()
    assert paras[2].path == ("Executive Summary", "Betting & Dice Engine")


def test_numbered_lines_are_list_items_when_markdown_headings_exist() -> None:
    blocks = parse("# T\n\n## Flow\n\n1. First step\n2. Second step\n")
    items = [b for b in blocks if b.kind == "item"]
    assert [b.text for b in items] == ["First step", "Second step"]
    assert all(b.ordered and b.path == ("Flow",) for b in items)


def test_lone_h1_is_title_not_section() -> None:
    blocks = parse("# Product\n\n## Goals\n\n- be fast\n")
    assert blocks[-1].path == ("Goals",)


def test_code_fences_tables_checkboxes_and_nesting() -> None:
    text = (
        "## Data\n\n```python\n# not a heading\nx = 1\n```\n\n| ID | Description |\n|---|---|\n"
        "| FR-1 | Do it |\n\n- [x] done item\n  - child item\n"
    )
    blocks = parse(text)
    kinds = [b.kind for b in blocks]
    assert kinds == ["heading", "code", "table", "item", "item"]
    assert blocks[1].text == "# not a heading\nx = 1" and blocks[1].lang == "python"
    assert blocks[2].rows == [["ID", "Description"], ["FR-1", "Do it"]]
    assert blocks[3].checkbox and blocks[4].parent == 3


def test_clean_heading_strips_markup_and_numbering() -> None:
    assert clean_heading("**3.2 The Logic**") == "The Logic"
    assert clean_heading("🧾 Payments & Orders") == "Payments & Orders"
