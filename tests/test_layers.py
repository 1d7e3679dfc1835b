"""Imports run one way: analysis <- generation <- service; verification depends on the plan
(app.analysis) and the sandbox, never on generation; the sandbox and the plumbing modules
depend on no capability; nothing in app/ imports the offline lab, scripts or tests.

Every import counts, including function-local and TYPE_CHECKING ones: a layer is crossed
the moment the name is reachable, whether or not it is imported lazily.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CAPABILITIES = (
    "app.analysis",
    "app.generation",
    "app.verification",
    "app.sandbox",
    "app.mixins",
    "app.probes",
    "app.health",
    "app.feedback",
    "app.alerts",
)
PLUMBING = (
    "app.config",
    "app.db",
    "app.storage",
    "app.errors",
    "app.error_docs",
    "app.logs",
    "app.metrics",
    "app.timestamps",
    "app.middleware",
)

# (importer prefix, imported prefix it must never import, prefixes exempt from the rule)
FORBIDDEN: list[tuple[str, str, tuple[str, ...]]] = [
    ("app.verification", "app.generation", ()),
    ("app.verification", "app.mixins", ()),
    ("app.verification", "app.probes", ()),
    ("app.verification", "app.health", ()),
    ("app.analysis", "app.generation", ()),
    ("app.analysis", "app.verification", ()),
    ("app.analysis", "app.sandbox", ()),
    ("app.analysis", "app.mixins", ()),
    ("app.analysis", "app.probes", ()),
    ("app.analysis", "app.health", ()),
    ("app.analysis", "app.db", ()),
    # generation reaches the mixins capability only through the MixinAdvisor Protocol
    ("app.generation", "app.mixins", ()),
    ("app.generation", "app.probes", ()),
    ("app.generation", "app.health", ()),
    # analytics reads every capability's tables; only the app factory reaches it
    *((capability, "app.analytics", ()) for capability in (*CAPABILITIES, "app.events")),
    # feedback implements generation's VerdictSink/FeedbackSummaries: no capability reaches it
    *(
        (capability, "app.feedback", ())
        for capability in (
            "app.generation",
            "app.analysis",
            "app.verification",
            "app.sandbox",
            "app.mixins",
            "app.probes",
        )
    ),
    # the framework probes run in the sandbox and report plain data to the mixins capability
    ("app.probes", "app", ("app.probes", "app.sandbox", "app.config", "app.logs")),
    # access control is plumbing-like: routers depend on it, it depends on no capability
    *(("app.auth", capability, ()) for capability in CAPABILITIES),
    # events are plumbing-like too: capabilities call app.events.outbox.record, never the reverse
    *(("app.events", capability, ()) for capability in CAPABILITIES),
    ("app.events", "app.main", ()),
    *((plumbing, "app.events", ()) for plumbing in (*PLUMBING, "app.auth")),
    # webhooks are plumbing-like too: generation enqueues callbacks, webhooks import no
    # capability (nor the outbox) back; plumbing, auth and the leaves never reach them
    *(("app.webhooks", capability, ()) for capability in (*CAPABILITIES, "app.events")),
    ("app.webhooks", "app.main", ()),
    *((plumbing, "app.webhooks", ()) for plumbing in (*PLUMBING, "app.auth", "app.events")),
    *((leaf, "app.webhooks", ()) for leaf in ("app.sandbox", "app.probes", "app.analysis")),
    # the sandbox and the framework probes emit nothing themselves
    *((leaf, "app.events", ()) for leaf in ("app.sandbox", "app.probes", "app.analysis")),
    # alerts (Alertmanager's receiver) is a leaf capability: it reaches no other capability
    # nor events/webhooks (only auth and plumbing), and no capability reaches it
    *(
        ("app.alerts", other, ())
        for other in (*CAPABILITIES, "app.events", "app.webhooks")
        if other != "app.alerts"
    ),
    *((other, "app.alerts", ()) for other in CAPABILITIES if other != "app.alerts"),
    # the sandbox is a leaf: only configuration and logging plumbing
    ("app.sandbox", "app", ("app.sandbox", "app.config", "app.logs")),
    *((plumbing, capability, ()) for plumbing in PLUMBING for capability in CAPABILITIES),
    *(("app", outside, ()) for outside in ("lab", "scripts", "tests")),
    *((capability, "app.main", ()) for capability in CAPABILITIES),
]


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, module: str) -> set[str]:
    """Absolute names of every module `path` imports (relative imports resolved)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            # `from app import generation` imports the package app.generation
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    return {
        _module_name(path): _imports(path, _module_name(path))
        for path in sorted((ROOT / "app").rglob("*.py"))
    }


GRAPH = _graph()


def test_the_scan_sees_the_known_edges() -> None:
    """Guards the scanner itself: edges we know exist are found."""
    assert "app.analysis.plan_calls" in GRAPH["app.verification.verifier"]
    assert "app.verification.verifier" in GRAPH["app.generation.runtime"] | set().union(
        *(GRAPH[m] for m in GRAPH if m.startswith("app.generation"))
    )


@pytest.mark.parametrize(
    ("importer", "imported", "exempt"),
    FORBIDDEN,
    ids=[f"{a}-x->{b}" for a, b, _ in FORBIDDEN],
)
def test_layer_rule(importer: str, imported: str, exempt: tuple[str, ...]) -> None:
    crossings = sorted(
        f"{module} imports {name}"
        for module, names in GRAPH.items()
        if _within(module, importer)
        for name in names
        if _within(name, imported) and not any(_within(name, e) for e in exempt)
    )
    assert not crossings, "\n".join(crossings)
