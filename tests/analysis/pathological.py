"""Hostile PRD texts, each at most the service's 256 KiB limit, that made analysis super-linear.

Shared by tests/analysis/test_pathological.py (each must finish within budget) and
scripts/bench_analysis_worst.py (prints size and time of each). Built lazily: ``corpus()``.
"""

from collections.abc import Callable

LIMIT = 256 * 1024  # bytes, as app.config's max_prd_bytes


def _fill(unit: str, prefix: str = "", suffix: str = "") -> str:
    """``prefix`` + as many ``unit`` as fit in LIMIT (UTF-8 bytes) + ``suffix``."""
    room = LIMIT - len(prefix.encode()) - len(suffix.encode())
    return prefix + unit * (room // len(unit.encode())) + suffix


def _lines(make: Callable[[int], str], prefix: str = "# PRD\n\n") -> str:
    """As many ``make(i)`` lines as fit in LIMIT after ``prefix``."""
    out, size, i = [prefix], len(prefix.encode()), 0
    while True:
        line = make(i) + "\n"
        size += len(line.encode())
        if size > LIMIT:
            return "".join(out)
        out.append(line)
        i += 1


def _nested_list() -> str:
    out, size, depth = ["# PRD\n\n"], 7, 0
    while True:
        line = "  " * depth + "- the system must nest\n"
        size += len(line)
        if size > LIMIT:
            return "".join(out)
        out.append(line)
        depth += 1


def _mermaid(edges: int) -> str:
    body = "".join(f"  s{i} --> s{i + 1} : go {i}\n" for i in range(edges))
    return f"# PRD\n\n{_REQ}\n## States\n\n```mermaid\nstateDiagram-v2\n  [*] --> s0\n{body}```\n"


_REQ = "- The system must store orders.\n"
_EARS = "WHEN a user submits an order THE system SHALL store it. "

BUILDERS: dict[str, Callable[[], str]] = {
    # the reproductions
    "atx_heading_1k_spaces": lambda: "# a" + " " * 1000 + "x",
    "atx_heading_2k_spaces": lambda: "# a" + " " * 2000 + "x",
    "comment_open_x65536": lambda: "<!--" * 65536,
    "bold_line_16k": lambda: "**" + "a " * 8000 + "x",
    # runs of spaces / tabs after markers
    "atx_heading_max_spaces": lambda: _fill(" ", "# a", "x"),
    "atx_heading_max_tabs": lambda: _fill("\t", "# a", "x"),
    "atx_heading_spaces_hashes": lambda: _fill(" #", "# a", "x"),
    "atx_closing_hashes": lambda: _fill("#", "# a ", " x"),
    "heading_marker_only_spaces": lambda: _fill(" ", "#", "\n" + _REQ),
    "list_marker_max_spaces": lambda: _fill(" ", "-", "x must y"),
    "numbered_marker_max_spaces": lambda: _fill(" ", "1.", "x must y"),
    "checkbox_max_spaces": lambda: _fill(" ", "- [ ]", "x must y"),
    "table_row_empty_cells": lambda: _fill(" |", "|"),
    "table_row_spaces": lambda: _fill(" ", "| a |", "| b must c |"),
    "table_escaped_pipes": lambda: _fill("\\|", "| ", " |"),
    "id_prefix_spaces": lambda: _fill(" ", "- FR-1:", "x"),
    "id_prefix_marks": lambda: _fill("*", "- FR-1: ", " "),
    "bold_label_spaces": lambda: _fill(" ", "**a**", ":x"),
    "bold_max_unclosed": lambda: _fill("a ", "**"),
    "underscore_max_unclosed": lambda: _fill("a ", "__"),
    "bold_pairs": lambda: _fill("** ", "**a"),
    "backtick_unclosed": lambda: _fill("a ", "`"),
    "comment_unclosed": lambda: _fill("a ", "<!-- "),
    "comment_nested_open": lambda: _fill("<!-- a ", "", "-->"),
    # 256 KiB of one markdown metacharacter
    **{
        f"only_{name}": (lambda c=char: _fill(c))
        for name, char in (
            ("star", "*"),
            ("underscore", "_"),
            ("pipe", "|"),
            ("dash", "-"),
            ("hash", "#"),
            ("gt", ">"),
            ("bracket", "["),
            ("paren", "("),
            ("backtick", "`"),
            ("tilde", "~"),
            ("colon", ":"),
            ("space", " "),
            ("newline", "\n"),
            ("tab", "\t"),
            ("nbsp", "\u00a0"),
        )
    },
    "only_star_space": lambda: _fill("* "),
    "only_underscore_word": lambda: _fill("_a"),
    "link_brackets": lambda: _fill("[](", "- the system must "),
    "link_open": lambda: _fill("[a", "- the system must "),
    "link_long_target": lambda: _fill("[a](", "- the system must "),
    # big documents
    "single_line_words": lambda: _fill("the system must store word ", "# PRD\n\n"),
    "single_line_no_space": lambda: _fill("a", "- must "),
    "list_items_max": lambda: _lines(lambda i: "- a"),
    "list_items_words": lambda: _lines(lambda i: f"- The system must store item {i}"),
    "continuation_lines": lambda: _lines(lambda i: "continued text", "# PRD\n\n- must start\n"),
    "paragraph_lines": lambda: _lines(lambda i: "the system must do a thing", "# PRD\n\n"),
    "nested_list_deep": _nested_list,
    "nested_quotes_deep": lambda: _fill("> ", "", "the system must quote"),
    "quote_lines": lambda: _lines(lambda i: "> " * 40 + "- the system must quote"),
    "table_huge": lambda: _lines(
        lambda i: f"| FR-{i} | The system must handle case {i} | High |",
        "# PRD\n\n## Requirements\n\n| ID | Description | Priority |\n|---|---|---|\n",
    ),
    "table_wide": lambda: "# PRD\n\n|" + " Description |" * 9000 + "\n|" + " must a |" * 9000,
    "headings_many": lambda: _lines(lambda i: f"## Heading {i}\n- must do {i}"),
    "headings_deep": lambda: _lines(lambda i: "#" * (1 + i % 6) + f" Level {i}\n- must {i}"),
    "bold_labels_many": lambda: _lines(lambda i: f"**Label {i}**:\n- must {i}"),
    "plain_headings_many": lambda: _lines(
        lambda i: f"\nSECTION NUMBER {i}\n\nthe system must {i}\n"
    ),
    "fences_many": lambda: _lines(lambda i: "```\ncode\n```\n- must do"),
    "fence_unclosed": lambda: _fill("code line\n", "# PRD\n\n" + _REQ + "```python\n"),
    "front_matter_unclosed": lambda: _fill("key: value\n", "---\n" + _REQ),
    "long_heading_many_items": lambda: _fill(
        _REQ, "# PRD\n\n## Requirements " + "word " * 25000 + "\n\n"
    ),
    "long_label_many_children": lambda: _fill(
        "  - must do it\n", "# PRD\n\n- Acceptance criteria " + "word " * 25000 + "\n"
    ),
    "wide_header_short_rows": lambda: _lines(
        lambda i: "| a |", "# PRD\n\n|" + " Description |" * 8000 + "\n"
    ),
    # lifecycles, flows, entities
    "status_lines_many": lambda: _lines(lambda i: f"- Order status: new, paid, shipped{i}"),
    "status_word_repeated": lambda: _fill("status state ", "- must "),
    "status_colon_repeated": lambda: _fill("status: ", "- must "),
    "status_paren_unclosed": lambda: _fill("a/", "- The order status ("),
    "arrow_chain_20k": lambda: (
        "# PRD\n\n- The order status must follow: " + " -> ".join(f"s{i}" for i in range(20000))
    ),
    "arrow_chain_max": lambda: _fill(" -> a", "- The order status must move a"),
    "arrow_spaces": lambda: _fill(" ", "- status must a ->", "-> b"),
    "arrows_only": lambda: _fill("->", "- status must "),
    "transition_repeated": lambda: _fill("transition ", "- The record `a` must ", "to `x`"),
    "state_mentions_many": lambda: _lines(
        lambda i: f"- WHEN x THE system SHALL set state `s{i}` and move it to `t{i}`"
    ),
    "mermaid_huge": lambda: _mermaid(9000),
    "mermaid_headers_many": lambda: _fill("stateDiagram\n", "# PRD\n\n" + _REQ + "\n```mermaid\n"),
    "union_type_spaces": lambda: _fill(" ", "# PRD\n\n" + _REQ + "\n```ts\nstatus: 'a'", "x\n```"),
    "union_type_long": lambda: _fill(
        "'a' | ", "# PRD\n\n" + _REQ + "\n## Data model\n\n```ts\nstatus: ", "\n```"
    ),
    "union_type_word": lambda: _fill("status", "# PRD\n\n" + _REQ + "\n```ts\n", "\n```"),
    "union_type_long_word": lambda: _fill("a", "# PRD\n\n" + _REQ + "\n```ts\n", "\n```"),
    "workflow_inline_repeated": lambda: _fill("workflow flow ", "- The approval ", ": a"),
    "workflow_colon_steps": lambda: _fill("a, ", "- The approval workflow: "),
    "workflow_long_word": lambda: _fill("a", "- The approval workflow: x, y, z must "),
    "workflow_dashed_word": lambda: _fill("a-", "- The approval workflow: x, y, z must "),
    "entity_section_spaces": lambda: _fill(" ", "# PRD\n\n## Data model\n\n- Order", "x must"),
    "entity_prose_with": lambda: _fill("create a thing with ", "- The system must "),
    "entity_code_fields": lambda: _fill(
        "  field: string\n", "# PRD\n\n" + _REQ + "\n## Data model\n\n```ts\ninterface A {\n"
    ),
    # requirement phrasing
    "ears_repeated_one_line": lambda: _fill(_EARS, "# PRD\n\n"),
    "ears_when_no_shall": lambda: _fill("when ", "- must ", "x"),
    "ears_lines": lambda: _lines(lambda i: f"- {_EARS}"),
    "story_repeated": lambda: _fill("as a user i want ", "- "),
    "so_that_spaces": lambda: _fill(" ", "- As a user I want to pay", ", so that x"),
    "modal_repeated": lambda: _fill("must shall should ", "- "),
    "id_like_tokens": lambda: _fill("FR-1.2.3.4a ", "- "),
    "word_camel": lambda: _fill("aB", "- must "),
    "external_words": lambda: _fill("stripe kafka s3/redis ", "- The system must use "),
    "url_like": lambda: _fill("a.", "- must http", "://x"),
    # unicode, control characters
    "unicode_rtl": lambda: _fill(
        "\u202e\u05d0\u05d1 must \u202c ", "# \u05e9\u05dc\u05d5\u05dd\n\n- "
    ),
    "unicode_combining": lambda: _fill("a\u0301\u0302\u0303 ", "- must "),
    "unicode_emoji": lambda: _fill("\U0001f680 must ", "# \U0001f680 PRD\n\n- "),
    "nul_bytes": lambda: _fill("\x00", "- must ", "x"),
    "control_chars": lambda: _fill("".join(chr(c) for c in range(1, 32) if c != 10), "- must "),
    "crlf_lines": lambda: _fill("- the system must a\r\n", "# PRD\r\n"),
    "cr_only": lambda: _fill("\r", "- must "),
    "fullwidth_and_kelvin": lambda: _fill("\u212a\u017f\uff43 shall ", "- when "),
}


def corpus() -> dict[str, str]:
    """name -> text, every text at most LIMIT bytes of UTF-8."""
    return {name: build() for name, build in BUILDERS.items()}
