"""The shape of `app/`, read statically: no import circle, modules kept small, and the few
import rules of the mixins capability (the layers between packages are in test_layers.py).

Every `import` statement counts, including those inside functions (a function-local import
that dodges a circle is still a circle). To forbid a dependency, add an (importer prefix,
imported prefix) pair to FORBIDDEN.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
MAX_LINES = 300
MAX_MIXIN_MODULES = 11  # "fewer than 12"

# (importer prefix, imported prefix): no module under the first may import the second.
FORBIDDEN: list[tuple[str, str]] = [
    ("app", "lab"),  # the offline lab imports the service, never the reverse
    ("app", "scripts"),
    ("app", "tests"),
    ("app.mixins", "omnibase_core"),  # the framework is looked into only by app.probes
    ("app.probes", "app.mixins"),  # the probes report JSON; the capability reads it
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(APP.rglob("*.py"))}


def _imports(name: str, path: Path, *, module_level_only: bool = False) -> set[str]:
    """Absolute names of what the module imports (`from a import b` counts `a` and `a.b`)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _graph(*, module_level_only: bool) -> dict[str, set[str]]:
    modules = _modules()
    return {
        name: {
            dep
            for dep in _imports(name, path, module_level_only=module_level_only)
            if dep in modules and dep != name
        }
        for name, path in modules.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for dep in sorted(graph[node]):
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_no_import_circle_in_app() -> None:
    assert _cycles(_graph(module_level_only=True)) == []


def test_no_import_circle_even_through_function_local_imports() -> None:
    assert _cycles(_graph(module_level_only=False)) == []


@pytest.mark.parametrize(
    ("importer", "imported"), FORBIDDEN, ids=[f"{a}-x->{b}" for a, b in FORBIDDEN]
)
def test_forbidden_imports(importer: str, imported: str) -> None:
    offenders = sorted(
        f"{name} imports {dep}"
        for name, path in _modules().items()
        if _under(name, importer)
        for dep in _imports(name, path)
        if _under(dep, imported)
    )
    assert offenders == []


def test_no_module_in_app_is_over_the_line_limit() -> None:
    long = {
        name: n
        for name, path in _modules().items()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_mixins_package_stays_small() -> None:
    modules = sorted(p.relative_to(APP) for p in (APP / "mixins").rglob("*.py"))
    assert len(modules) <= MAX_MIXIN_MODULES, modules
    for path in modules:
        assert len((APP / path).read_text().splitlines()) <= MAX_LINES, path


def test_the_checker_sees_what_it_should() -> None:
    """The graph is not vacuous: known edges are there, relative imports resolve."""
    graph = _graph(module_level_only=True)
    assert "app.mixins.predictor" in graph["app.mixins.service"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]
