"""What makes a plan safe to render whatever the PRD says, and reports what it changed.

Analysis already gives identifiers (`app.analysis.naming`: ASCII, no keywords or builtins, at
most `MAX_NAME` characters, shortened with a digest). Two things only the generator knows:
the project is a top-level package, so its name must not be a module the package (or anything
it imports) imports, or `import json` finds the project instead; and the client should be told
which names were not taken as written.
"""

import re
import sys
from functools import lru_cache
from importlib.metadata import packages_distributions

from app.analysis import naming
from app.analysis.plan import Plan

# never importable from a generated package's root: this service, its tools, pytest's files
_ALSO_TAKEN = frozenset(
    {"app", "lab", "tests", "test", "conftest", "scripts", "migrations", "setup"}
)
# a name `naming.shorten` cut: at least 40 characters, then `_` and 8 hex digits (then a suffix)
_SHORTENED = re.compile(r"^[a-z0-9_]{40,}_[0-9a-f]{8}(?:_[a-z]+)?$")


@lru_cache(maxsize=1)
def taken_module_names() -> frozenset[str]:
    """Top-level modules a generated package could import, directly or through its imports:
    the standard library and every installed distribution's (the verifier's environment)."""
    installed = {name.lower() for name in packages_distributions()}
    return frozenset({*sys.stdlib_module_names, *installed, *_ALSO_TAKEN})


def project_name(name: str) -> str:
    """`name`, or `name_project` (`name_project_2`, ...) when it is a module name in use."""
    taken = taken_module_names()
    if name.lower() not in taken and not name.startswith("_"):
        return name
    candidate = naming.shorten(f"{name.lstrip('_')}_project")
    n = 2
    while candidate.lower() in taken:
        candidate = naming.shorten(f"{name.lstrip('_')}_project_{n}")
        n += 1
    return candidate


def sanitise(plan: Plan) -> Plan:
    """The plan with a project name that shadows nothing, and `warnings` saying what changed."""
    warnings = list(plan.warnings)
    name = project_name(plan.project_name)
    if name != plan.project_name:
        warnings.append(
            f"project name {plan.project_name!r} is a Python module the package imports "
            f"(or could): renamed to {name!r}"
        )
    for kind, found in _names(plan):
        if _SHORTENED.match(found):
            warnings.append(
                f"{kind} name shortened to {found!r} (names are at most {naming.MAX_NAME} "
                "characters; the digest keeps long names apart)"
            )
    if name == plan.project_name and warnings == plan.warnings:
        return plan
    return plan.model_copy(update={"project_name": name, "warnings": _unique(warnings)})


def _names(plan: Plan) -> list[tuple[str, str]]:
    found = [("project", plan.project_name)]
    found += [("node", node.name) for node in plan.nodes]
    found += [("state machine", m.name) for m in plan.state_machines]
    for flow in plan.flows:
        found.append(("workflow", flow.name))
        found += [("workflow step", step.name) for step in flow.steps]
    for entity in plan.entities:
        found += [("field", f.name) for f in entity.fields]
    return found


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
