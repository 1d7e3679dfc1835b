"""Probes of the installed omnibase-core, run in other interpreters, never imported by the service.

`discovery` profiles every `Mixin*` class (in a throw-away `python -m app.probes.discovery`);
`lifecycle` composes a node class with mixins and runs its whole lifecycle (a task of a sandbox
worker preloaded with `lifecycle_preload`). Only these modules import omnibase-core in order to
look inside it; the service reads what they report (JSON) and never imports them.
"""

from collections.abc import Iterable
from typing import Final

Query = tuple[str, str, tuple[str, ...]]  # (node kind, class order, canonical mixins)

NODE_BASES: Final[dict[str, tuple[str, str]]] = {
    "effect": ("omnibase_core.nodes.node_effect", "NodeEffect"),
    "compute": ("omnibase_core.nodes.node_compute", "NodeCompute"),
    "reducer": ("omnibase_core.nodes.node_reducer", "NodeReducer"),
    "orchestrator": ("omnibase_core.nodes.node_orchestrator", "NodeOrchestrator"),
}


def canonical(mixins: Iterable[str]) -> tuple[str, ...]:
    """Canonical mixin order: sorted, de-duplicated. Compositions are always built in this order."""
    return tuple(sorted(set(mixins)))
