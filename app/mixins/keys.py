"""Shared vocabulary: node kinds, class orders, the canonical key of a composition."""

from collections.abc import Iterable
from typing import Final, Literal

NodeKind = Literal["effect", "compute", "reducer", "orchestrator"]
ClassOrder = Literal["node_first", "mixins_first"]

KINDS: Final[tuple[NodeKind, ...]] = ("effect", "compute", "reducer", "orchestrator")
ORDERS: Final[tuple[ClassOrder, ...]] = ("node_first", "mixins_first")

NODE_BASES: Final[dict[str, tuple[str, str]]] = {
    "effect": ("omnibase_core.nodes.node_effect", "NodeEffect"),
    "compute": ("omnibase_core.nodes.node_compute", "NodeCompute"),
    "reducer": ("omnibase_core.nodes.node_reducer", "NodeReducer"),
    "orchestrator": ("omnibase_core.nodes.node_orchestrator", "NodeOrchestrator"),
}

STAGES: Final[tuple[str, ...]] = (
    "resolve",
    "class",
    "instantiate",
    "initialize",
    "process",
    "cleanup",
    "ok",
)


def canonical(mixins: Iterable[str]) -> tuple[str, ...]:
    """Canonical mixin order: sorted, de-duplicated. Compositions are always built in this order."""
    return tuple(sorted(set(mixins)))


def mixin_key(mixins: Iterable[str]) -> str:
    return "+".join(canonical(mixins))


def composition_key(kind: str, mixins: Iterable[str], order: str) -> str:
    return f"{kind}|{order}|{mixin_key(mixins)}"
