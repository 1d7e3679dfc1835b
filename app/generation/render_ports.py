"""The ports of an EFFECT node: one typed protocol per external system it talks to.

A user reading the package sees ``StripePort`` and ``TrelloPort``, not one anonymous port:
each operation goes through the port of the system its requirements name (the node's first
system when they name none). A node whose PRD names no system keeps a single port named after
the node.
"""

import keyword
import re
from typing import Any

from app.analysis.plan import NodePlan, Plan
from app.generation.render_names import pascal

_TAKEN = {"container", "self"}  # constructor parameters a system must not shadow
_UNSAFE = re.compile(r"[^\w .+/()&-]+")  # labels land in docstrings: nothing that could end one


def _attribute(system: str) -> str:
    """The constructor keyword (and, with a leading underscore, the attribute) for `system`."""
    safe = system.isidentifier() and system.isascii() and not keyword.iskeyword(system)
    name = system if safe and not keyword.issoftkeyword(system) else f"system_{system}"
    return f"{name}_system" if name in _TAKEN else name


def port_views(plan: Plan, node: NodePlan, node_name: str) -> list[dict[str, Any]]:
    """One view per port: `attr`, `port_name`, `adapter`, `label`, `requirement_ids`."""
    systems = {s.name: s for s in plan.external_systems}
    views = []
    for name in node.external_systems:
        system = systems.get(name)
        label = _UNSAFE.sub("", (system.label if system else "") or name.replace("_", " "))[:60]
        port = f"{pascal(_attribute(name))}Port"
        views.append(
            {
                "attr": _attribute(name),
                "system": name,
                "label": label,
                "port_name": port,
                "adapter": f"InMemory{port}",
                "requirement_ids": tuple(system.requirement_ids) if system else (),
            }
        )
    if not views:
        port = f"{pascal(node_name)}Port"
        views.append(
            {
                "attr": "port",
                "system": "",
                "label": "its external system",
                "port_name": port,
                "adapter": f"InMemory{port}",
                "requirement_ids": (),
            }
        )
    return views


def wire_ports(view: dict[str, Any], ops: list[dict[str, Any]], module: str) -> None:
    """Give each operation view the port of the first system its requirements mention (the
    node's first port when they mention none), and the node view its port imports."""
    ports = view["ports"]
    for op in ops:
        mentioned = set(op.get("requirement_ids") or ())
        op["port"] = next((p for p in ports if mentioned & set(p["requirement_ids"])), ports[0])
    for port in ports:
        names = [f"`{op['name']}`" for op in ops if op["port"] is port]
        port["operations_md"] = ", ".join(names) or "-"
    view["port_imports"] = [f".ports:{p[k]}" for p in ports for k in ("port_name", "adapter")]
    view["port_test_imports"] = [f"{module}.ports:{p['adapter']}" for p in ports]
