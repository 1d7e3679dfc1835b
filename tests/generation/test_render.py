"""Rendering: determinism, layout, hostile text, contracts, identifiers."""

import ast
import hashlib
import json

import jinja2
import pytest
import yaml

from app.generation.render import MANIFEST_PATH, render_project
from app.generation.render_filters import UnsafeIdentifierError, mdtext, pyrepr, pytext
from app.generation.template_cache import CACHE_HITS, CachingEnvironment, build_environment
from tests.verification import sample_plans as sp

ENV = build_environment()


def render(plan):  # type: ignore[no-untyped-def]
    return render_project(ENV, plan, prd_sha256="ab" * 32, generator_version="9.9.9")


def test_rendering_is_deterministic_and_sorted() -> None:
    first, second = render(sp.all_kinds_plan()), render(sp.all_kinds_plan())
    assert first == second
    assert list(first) == sorted(first)


def test_layout_has_one_package_per_node() -> None:
    files = render(sp.all_kinds_plan())
    for name in ("pyproject.toml", "README.md", MANIFEST_PATH, "expense_portal/__init__.py"):
        assert name in files
    assert "omnibase-core==0.47.57" in files["pyproject.toml"]
    for node in sp.all_kinds_plan().nodes:
        base = f"expense_portal/nodes/{node.name}"
        for leaf in (
            "contract.yaml",
            "node.py",
            "models.py",
            "README.md",
            "__init__.py",
            f"tests/test_{node.name}.py",
            "tests/__init__.py",
        ):
            assert f"{base}/{leaf}" in files
    assert "expense_portal/nodes/bank_payment_effect/ports.py" in files


def test_manifest_hashes_every_other_file() -> None:
    files = render(sp.all_kinds_plan())
    manifest = json.loads(files[MANIFEST_PATH])
    assert manifest["prd_sha256"] == "ab" * 32 and manifest["generator_version"] == "9.9.9"
    assert set(manifest["files"]) == set(files) - {MANIFEST_PATH}
    for path, digest in manifest["files"].items():
        assert hashlib.sha256(files[path].encode()).hexdigest() == digest
    assert (
        files[MANIFEST_PATH]
        == json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )


@pytest.mark.parametrize("factory", [sp.all_kinds_plan, sp.hostile_plan, sp.fold_only_reducer_plan])
def test_every_python_file_compiles_and_every_contract_parses(factory) -> None:  # type: ignore[no-untyped-def]
    files = render(factory())
    for path, text in files.items():
        if path.endswith(".py"):
            ast.parse(text, filename=path)
        if path.endswith("contract.yaml"):
            data = yaml.safe_load(text)
            assert data["node_type"].endswith("_GENERIC")
            assert "version" not in data and data["contract_version"]["major"] == 1


def test_hostile_text_only_reaches_code_as_literals() -> None:
    files = render(sp.hostile_plan())
    node_py = files["hostile_project/nodes/if_compute/node.py"]
    tree = ast.parse(node_py)
    literals = [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]
    joined = "".join(literals)
    assert sp.HOSTILE.replace(" ", "") in joined.replace(" ", "")
    contract = yaml.safe_load(files["hostile_project/nodes/if_compute/contract.yaml"])
    assert contract["description"] == sp.HOSTILE
    # no template syntax leaked into generated sources
    for path, text in files.items():
        if path.endswith(".py"):
            for tree_node in ast.walk(ast.parse(text)):
                if isinstance(tree_node, ast.Name):
                    assert "{" not in tree_node.id


def test_reserved_field_names_get_aliases() -> None:
    models = render(sp.hostile_plan())["hostile_project/nodes/if_compute/models.py"]
    assert "json_: str = Field(" in models and "validation_alias='json'" in models
    assert "model_type_: int" in models


def test_unsafe_identifiers_are_refused() -> None:
    plan = sp.all_kinds_plan()
    bad = plan.model_copy(update={"nodes": [sp.compute_node(class_name="class")]})
    with pytest.raises(UnsafeIdentifierError):
        render(bad)
    worse = plan.model_copy(update={"nodes": [sp.compute_node(name="x; import os")]})
    with pytest.raises(UnsafeIdentifierError):
        render(worse)


def test_pyrepr_and_pytext_round_trip() -> None:
    value = {"a": [1, 2.5, None, True, sp.HOSTILE], "b": (1,)}
    assert eval(pyrepr(value)) == value
    long = sp.HOSTILE * 5
    assert eval(pytext(long)) == long
    with pytest.raises(TypeError):
        pyrepr(object())
    with pytest.raises(ValueError):
        pyrepr(float("nan"))


def test_template_cache_counts_hits() -> None:
    before = CACHE_HITS.labels(template="node_compute.py.j2")._value.get()
    render(sp.all_kinds_plan())
    assert CACHE_HITS.labels(template="node_compute.py.j2")._value.get() == before + 1


def test_mdtext_escapes_markdown_and_html_on_one_line() -> None:
    assert mdtext("a  *b*\n_c_ <script>&x") == "a \\*b\\* \\_c\\_ &lt;script&gt;&amp;x"
    assert mdtext("[link](http://x) # `code` | ~") == (
        "\\[link\\]\\(http://x\\) \\# \\`code\\` \\| \\~"
    )
    assert mdtext("plain words") == "plain words"


def test_template_set_hash_follows_the_sources() -> None:
    def env(source: str) -> CachingEnvironment:
        return CachingEnvironment(loader=jinja2.DictLoader({"a.j2": source}))

    assert env("x").template_set_sha256 == env("x").template_set_sha256
    assert env("x").template_set_sha256 != env("y").template_set_sha256
    assert ENV.template_set_sha256 is ENV.template_set_sha256  # computed once, not per render


def test_readme_lists_requirements_no_node_covers() -> None:
    from app.analysis.service import analyse

    plan = analyse(
        "- The service must compute a checksum of every uploaded file.\n"
        "- The service must validate the checksum against the manifest.\n"
        "- The UI should feel friendly.\n"
    )
    covered = {rid for node in plan.nodes for rid in node.requirement_ids}
    (orphan,) = [r for r in plan.requirements if r.id not in covered]
    readme = render(plan)["README.md"]
    assert "## Requirements without a node" in readme
    assert f"**{mdtext(orphan.id)}**: {mdtext(orphan.text)}" in readme
    assert "without a node" not in render(sp.all_kinds_plan())["README.md"]


_TWO_SYSTEMS = """# Board Sync

## Requirements
- FR-1: The service shall create a card in Trello when a task is opened.
- FR-2: The service shall charge the customer through Stripe when a task is closed.
- FR-3: The service shall store each task with its title and status.
"""


def test_an_effect_gets_one_port_per_named_system_and_routes_each_operation() -> None:
    from app.analysis.service import analyse

    plan = analyse(_TWO_SYSTEMS)
    files = render_project(build_environment(), plan, prd_sha256="0" * 64, generator_version="t")
    (package,) = {p.rsplit("/", 1)[0] for p in files if p.endswith("/ports.py")}
    ports, node, readme = (files[f"{package}/{f}"] for f in ("ports.py", "node.py", "README.md"))
    assert "class TrelloPort(Protocol)" in ports and "class StripePort(Protocol)" in ports
    assert "class InMemoryTrelloPort" in ports and "class InMemoryStripePort" in ports
    assert "trello: TrelloPort | None = None" in node and "stripe: StripePort | None = None" in node
    handler = node.split("async def _handle_create_card")[1].split("async def ")[0]
    assert "self._trello.send(" in handler
    handler = node.split("async def _handle_charge_customer")[1].split("async def ")[0]
    assert "self._stripe.send(" in handler
    # an operation whose requirements name no system goes through the node's first one
    handler = node.split("async def _handle_store_task")[1].split("async def ")[0]
    assert "self._trello.send(" in handler
    assert "| Trello | `TrelloPort` | `trello` | `create_card`, `store_task` |" in readme
    assert "| Stripe | `StripePort` | `stripe` | `charge_customer` |" in readme
