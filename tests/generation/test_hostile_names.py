"""Input that is not the client's fault gives a verified package (names renamed or shortened, and
said so in `warnings`); input that is gives the same 4xx from /generate and /generate/plan."""

import re

import pytest
from httpx import AsyncClient

from app.analysis import naming
from app.generation.sanitise import project_name, taken_module_names
from tests.test_errors import assert_error_shape

BODY = """
## Requirements
- The system must store a Customer with name and email.
- The system must calculate the total of a customer's orders.
"""
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


async def _verified(client: AsyncClient, payload: dict[str, object]) -> dict[str, object]:
    response = await client.post("/generate", json=payload)
    assert response.status_code == 201, response.text[:2000]
    body: dict[str, object] = response.json()
    assert body["status"] == "succeeded"
    nodes = body["nodes"]
    assert isinstance(nodes, list) and nodes
    assert all(node["verification"]["ok"] for node in nodes), nodes
    return body


@pytest.mark.parametrize(
    "name",
    ["json", "os", "typing", "app", "yaml", "pytest", "asyncio", "omnibase_core", "pydantic"],
)
async def test_a_project_name_that_shadows_a_module_is_renamed_and_verifies(
    client: AsyncClient, name: str
) -> None:
    body = await _verified(client, {"prd": f"# Shop{BODY}", "project_name": name})
    assert body["project_name"] == f"{name}_project"
    assert any(repr(name) in w and "renamed" in w for w in body["warnings"])  # type: ignore[attr-defined]
    files = [p for n in body["nodes"] for p in n["files"]]  # type: ignore[attr-defined]
    assert files and body["project_files"]


async def test_a_title_that_names_the_builtins_module_is_renamed(client: AsyncClient) -> None:
    body = await _verified(client, {"prd": f"# __builtins__{BODY}"})
    assert body["project_name"] == "builtins_project"
    plan = await client.post("/generate/plan", json={"prd": f"# __builtins__{BODY}"})
    assert plan.json()["project_name"] == "builtins_project"
    assert plan.json()["warnings"] == body["warnings"]


@pytest.mark.parametrize("length", [250, 300])
async def test_long_titles_are_shortened_deterministically(
    client: AsyncClient, length: int
) -> None:
    title = "T" * length
    body = await _verified(client, {"prd": f"# {title}{BODY}"})
    name = body["project_name"]
    assert isinstance(name, str) and len(name) <= naming.MAX_NAME
    assert name == naming.snake(title)  # the same text, the same name
    assert any("shortened" in w for w in body["warnings"])  # type: ignore[attr-defined]
    # stored within its column and read back as written
    stored = await client.get(f"/generations/{body['id']}")
    assert stored.json()["project_name"] == name
    assert stored.json()["warnings"] == body["warnings"]


async def test_two_long_names_with_one_prefix_stay_apart() -> None:
    a, b = "x" * 70 + " one", "x" * 70 + " two"
    assert naming.snake(a) != naming.snake(b)
    assert len(naming.snake(a)) == len(naming.snake(b)) == naming.MAX_NAME


async def test_a_workflow_step_name_over_the_framework_limit_is_shortened(
    client: AsyncClient,
) -> None:
    long_step = " ".join(c * 50 for c in "abcdef")  # 305 characters: over step_name's 255
    prd = (
        f"# Onboarding{BODY}- Onboarding workflow: collect details -> {long_step} -> "
        "approve account -> notify customer\n"
    )
    body = await _verified(client, {"prd": prd})
    assert any("workflow step" in w for w in body["warnings"])  # type: ignore[attr-defined]
    kinds = {n["kind"] for n in body["nodes"]}  # type: ignore[attr-defined]
    assert "ORCHESTRATOR" in kinds


async def test_control_characters_never_reach_generated_files(client: AsyncClient) -> None:
    prd = f"# Shop\x00\x07 Orders\r\n{BODY}- The system must \x1bstore\x00 an Invoice.\x7f\n"
    body = await _verified(client, {"prd": prd})
    texts = [c for n in body["nodes"] for c in n["files"].values()]  # type: ignore[attr-defined]
    texts += list(body["project_files"].values())  # type: ignore[attr-defined]
    assert texts and not any(_CONTROL.search(t) for t in texts)
    assert "\r" not in "".join(texts)


@pytest.mark.parametrize(
    ("content", "content_type", "code"),
    [
        ({"prd": ""}, None, "invalid_input"),
        ({"prd": " \n\t "}, None, "invalid_input"),
        ({"prd": "\x00\x01"}, None, "invalid_input"),
        ({"prd": "# Shop", "verify": "yes"}, None, "invalid_input"),
        ({"prd": "# Shop", "project_name": "x" * 81}, None, "invalid_input"),
        (b"", "text/markdown", "invalid_input"),
        (b"\x00 \n", "text/plain", "invalid_input"),
        ({"prd": "just words, nothing required"}, None, "no_requirements"),
    ],
)
async def test_generate_and_plan_reject_the_same_input_the_same_way(
    client: AsyncClient, content: object, content_type: str | None, code: str
) -> None:
    answers = []
    for path in ("/generate", "/generate/plan"):
        if content_type is None:
            response = await client.post(path, json=content)
        else:
            assert isinstance(content, bytes)
            response = await client.post(
                path, content=content, headers={"Content-Type": content_type}
            )
        assert response.status_code == 422, response.text
        assert_error_shape(response.json(), code)
        body = response.json()
        answers.append((body["error"], [e["loc"] for e in body.get("errors") or []]))
    assert answers[0] == answers[1]


def test_module_names_cover_the_standard_library_and_installed_packages() -> None:
    taken = taken_module_names()
    assert {"json", "os", "typing", "asyncio", "builtins"} <= taken
    assert {"yaml", "pytest", "pydantic", "omnibase_core", "app"} <= taken
    assert project_name("invoice_tracker") == "invoice_tracker"
    assert project_name("json") == "json_project"
