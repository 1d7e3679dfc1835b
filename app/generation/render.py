"""Render a Plan into the files of an ONEX project (relative POSIX path -> text).

All decisions (names, imports, field projections, example payloads) are made here in
plain Python and handed to the templates as small view dictionaries; templates only lay
text out. PRD free text reaches Python only through the `pyrepr`/`pytext` filters and YAML
only through `yaml.safe_dump`. Output is a pure function of (templates, plan, arguments).
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import jinja2
import yaml

from app.analysis.plan import Plan
from app.analysis.plan_calls import package_path
from app.generation.render_filters import ident
from app.generation.render_names import pascal
from app.generation.render_views import node_view
from app.generation.template_cache import TEMPLATE_SET_VERSION

__all__ = [
    "MANIFEST_PATH",
    "OMNIBASE_CORE_PIN",
    "ProjectLayout",
    "finish_project",
    "layout_project",
    "package_path",
    "pascal",
    "render_package",
    "render_project",
    "render_root",
]

OMNIBASE_CORE_PIN = "omnibase-core==0.47.57"
MANIFEST_PATH = ".codegen/manifest.json"

_ENVELOPES = {
    "COMPUTE": ("ModelComputeInput", "ModelComputeOutput"),
    "EFFECT": ("ModelEffectInput", "ModelEffectOutput"),
    "REDUCER": ("ModelReducerInput", "ModelReducerOutput"),
    "ORCHESTRATOR": ("ModelOrchestratorInput", "ModelOrchestratorOutput"),
}


def _contract(view: dict[str, Any]) -> dict[str, Any]:
    kind = view["kind"]
    semver = {"major": 1, "minor": 0, "patch": 0}
    input_model, output_model = _ENVELOPES[kind]
    contract: dict[str, Any] = {
        "name": view["name"],
        "contract_version": semver,
        "node_version": dict(semver),
        "node_type": f"{kind}_GENERIC",
        "description": view["description"],
        "input_model": input_model,
        "output_model": output_model,
        "performance": {"single_operation_max_ms": 1000},
    }
    if view["requirement_ids"]:
        contract["tags"] = list(view["requirement_ids"])
    return contract


# libyaml's emitter when present: same safe representer, a tenth of the pure-Python cost.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _yaml(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=88)


@dataclass(frozen=True)
class ProjectLayout:
    """What every file of a project is rendered from: the plan's views, computed once."""

    plan: Plan
    common: dict[str, Any]
    nodes: list[dict[str, Any]]
    requirements: dict[str, str]


def layout_project(plan: Plan) -> ProjectLayout:
    names = [n.name for n in plan.nodes]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate node names in plan: {names}")
    categories = {s.name: s.category for s in plan.external_systems}
    nodes = [node_view(plan, node, categories) for node in plan.nodes]
    project = ident(plan.project_name)
    covered = {rid for node in plan.nodes for rid in node.requirement_ids}
    uncovered = [(r.id, r.text) for r in plan.requirements if r.id not in covered]
    common = {
        "plan": plan,
        "project": project,
        "nodes": nodes,
        "pin": OMNIBASE_CORE_PIN,
        "uncovered": uncovered,
    }
    requirements = {r.id: r.text for r in plan.requirements}
    return ProjectLayout(plan=plan, common=common, nodes=nodes, requirements=requirements)


def render_root(env: jinja2.Environment, layout: ProjectLayout) -> dict[str, str]:
    """The project's own files: pyproject, README and the package `__init__` modules."""
    common, project = layout.common, layout.common["project"]
    return {
        "pyproject.toml": env.get_template("pyproject.toml.j2").render(common),
        "README.md": env.get_template("README.md.j2").render(common),
        f"{project}/__init__.py": env.get_template("project_init.py.j2").render(common),
        f"{project}/nodes/__init__.py": '"""ONEX node packages of this project."""\n',
    }


def render_package(env: jinja2.Environment, layout: ProjectLayout, index: int) -> dict[str, str]:
    """Every file of the package of node `index` (plan order)."""
    view = layout.nodes[index]
    path = view["path"]
    kind = view["kind"].lower()
    ctx = {**layout.common, "node": view, "requirements": layout.requirements}
    files = {
        f"{path}/__init__.py": env.get_template("node_init.py.j2").render(ctx),
        f"{path}/contract.yaml": _yaml(_contract(view)),
        f"{path}/node.py": env.get_template(f"node_{kind}.py.j2").render(ctx),
        f"{path}/models.py": env.get_template("models.py.j2").render(ctx),
    }
    if view["kind"] == "EFFECT":
        files[f"{path}/ports.py"] = env.get_template("ports.py.j2").render(ctx)
    files[f"{path}/README.md"] = env.get_template("node_README.md.j2").render(ctx)
    files[f"{path}/tests/__init__.py"] = ""
    files[f"{path}/tests/test_{view['name']}.py"] = env.get_template(f"test_{kind}.py.j2").render(
        ctx
    )
    return files


def finish_project(
    env: jinja2.Environment,
    layout: ProjectLayout,
    files: dict[str, str],
    *,
    prd_sha256: str,
    generator_version: str,
) -> dict[str, str]:
    """All files (root and packages) plus the manifest over them, in path order."""
    manifest = _manifest(
        files,
        layout.plan,
        layout.nodes,
        prd_sha256=prd_sha256,
        generator_version=generator_version,
        template_set_sha256=getattr(env, "template_set_sha256", ""),
    )
    return dict(sorted({**files, MANIFEST_PATH: manifest}.items()))


def render_project(
    env: jinja2.Environment, plan: Plan, *, prd_sha256: str, generator_version: str
) -> dict[str, str]:
    """Render every file of the project for `plan`; deterministic for equal inputs."""
    layout = layout_project(plan)
    files = render_root(env, layout)
    for index in range(len(layout.nodes)):
        files.update(render_package(env, layout, index))
    return finish_project(
        env, layout, files, prd_sha256=prd_sha256, generator_version=generator_version
    )


def _manifest(
    files: dict[str, str],
    plan: Plan,
    nodes: list[dict[str, Any]],
    *,
    prd_sha256: str,
    generator_version: str,
    template_set_sha256: str,
) -> str:
    manifest = {
        "generator_version": generator_version,
        "template_set_version": TEMPLATE_SET_VERSION,
        "template_set_sha256": template_set_sha256,
        "prd_sha256": prd_sha256,
        "project": plan.project_name,
        "framework": OMNIBASE_CORE_PIN,
        "packages": [
            {
                "path": v["path"],
                "kind": v["kind"],
                "class_name": v["class_name"],
                "operations": v["operation_names"],
                "requirement_ids": v["requirement_ids"],
            }
            for v in nodes
        ],
        "files": {
            path: hashlib.sha256(text.encode()).hexdigest() for path, text in sorted(files.items())
        },
    }
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
