"""The mixin catalog: the vocabulary of compositions, the discovered profiles with their
capability tags (cached per framework version), and `simulate`, what Python would do with a
composition, read from the catalog alone.

`simulate` C3-linearises the composed bases from each class's recorded MRO, then walks the
cooperative `__init__` chain with the recorded signatures and `super().__init__` call shapes. The
result is a handful of static facts (MRO conflict, an `__init__` that rejects its arguments,
chain cuts) that hold for any composition, including mixins never measured. They are features
and exact rules, not labels.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any, Final, Literal

from app.config import PROJECT_ROOT
from app.probes import Query as Query  # re-exported: the vocabulary lives with the catalog
from app.probes import canonical as canonical

NodeKind = Literal["effect", "compute", "reducer", "orchestrator"]
ClassOrder = Literal["node_first", "mixins_first"]

KINDS: Final[tuple[NodeKind, ...]] = ("effect", "compute", "reducer", "orchestrator")
ORDERS: Final[tuple[ClassOrder, ...]] = ("node_first", "mixins_first")


def mixin_key(mixins: Iterable[str]) -> str:
    return "+".join(canonical(mixins))


def composition_key(kind: str, mixins: Iterable[str], order: str) -> str:
    return f"{kind}|{order}|{mixin_key(mixins)}"


# Mixins that describe values, serialization or the mixin registry itself, not a node capability.
_NON_CAPABILITY = re.compile(
    r"Serializ|Serializable|Hash|Lazy|Discovery$|DebugDiscovery|Truncation|Canonical"
    r"|NodeTypeValidator|ContractMetadata|CLIHandler"
)
_TAGS: dict[str, tuple[str, ...]] = {
    "caching": ("cach",),
    "metrics": ("metric", "performance"),
    "health": ("health",),
    "events": ("event", "publish", "bus"),
    "validation": ("validat", "failfast", "fail_fast"),
    "logging": ("logging", "log_", "trace_capture", "tracecapture"),
    "introspection": ("introspect",),
    "discovery": ("discover", "responder"),
    "service": ("service", "registry"),
    "lifecycle": ("lifecycle", "setup"),
    "execution": ("execution", "executor", "dispatch", "routing", "tool"),
    "workflow": ("workflow", "orchestrat"),
    "state": ("fsm", "state_reducer", "statereducer", "reducer"),
    "contracts": ("contract",),
    "tracing": ("trace",),
    "security": ("redact", "sensitive"),
    "serialization": ("serializ", "yaml", "canonical"),
    "hashing": ("hash",),
}


def _match(text: str) -> set[str]:
    return {tag for tag, needles in _TAGS.items() if any(n in text for n in needles)}


def capability_tags(name: str, provides: list[str]) -> tuple[list[str], list[str]]:
    """(primary tags from the class name, all tags including those from public method names)."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name.removeprefix("Mixin")).lower()
    primary = _match(f"{snake} {snake.replace('_', '')}")
    methods = _match(" ".join(p for p in provides if not p.startswith("_")))
    return sorted(primary), sorted(primary | methods)


@dataclass(frozen=True)
class MixinProfile:
    name: str
    ref: str
    data: dict[str, Any]
    capability: bool
    tags: tuple[str, ...]
    primary_tags: tuple[str, ...]

    def public(self) -> dict[str, Any]:
        d = {k: v for k, v in self.data.items() if k not in ("provides", "requires", "mro")}
        return {
            **d,
            "capability": self.capability,
            "tags": list(self.tags),
            "primary_tags": list(self.primary_tags),
            "n_provides": len(self.data.get("provides", [])),
            "n_requires": len(self.data.get("requires", [])),
        }


@dataclass
class Catalog:
    framework_version: str
    mixins: dict[str, MixinProfile]
    classes: dict[str, dict[str, Any]]
    node_bases: dict[str, dict[str, Any]]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Catalog:
        mixins = {}
        for m in data["mixins"]:
            if "profile_error" in m:
                continue
            cap = not _NON_CAPABILITY.search(m["name"])
            primary, tags = capability_tags(m["name"], m.get("provides", []))
            mixins[m["name"]] = MixinProfile(
                m["name"], m["ref"], m, cap, tuple(tags), tuple(primary)
            )
        return cls(data["framework_version"], mixins, data["classes"], data["node_bases"], data)

    def names(self) -> list[str]:
        return sorted(self.mixins)

    def unknown(self, names: list[str]) -> list[str]:
        return [n for n in names if n not in self.mixins]


def framework_version() -> str:
    return version("omnibase-core")


def run_discovery(python: str = sys.executable, timeout_s: float = 120.0) -> dict[str, Any]:
    """Run discovery in a fresh interpreter (it imports every framework module)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [python, "-m", "app.probes.discovery", out.name],
            cwd=PROJECT_ROOT,
            check=True,
            timeout=timeout_s,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        result: dict[str, Any] = json.loads(Path(out.name).read_text())
        return result


def load_catalog(cache_dir: Path, *, refresh: bool = False) -> Catalog:
    """The catalog for the installed framework version, from cache or by running discovery."""
    cache_dir = cache_dir if cache_dir.is_absolute() else PROJECT_ROOT / cache_dir
    path = cache_dir / f"catalog-{framework_version()}.json"
    if path.is_file() and not refresh:
        return Catalog.from_json(json.loads(path.read_text()))
    data = run_discovery()
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, sort_keys=True))
    tmp.replace(path)
    return Catalog.from_json(data)


# static simulation -------------------------------------------------------------------------------

_OBJECT = "builtins:object"


def c3_merge(seqs: list[list[str]]) -> list[str] | None:
    seqs = [list(s) for s in seqs if s]
    out: list[str] = []
    while seqs:
        for seq in seqs:
            head = seq[0]
            if not any(head in s[1:] for s in seqs):
                break
        else:
            return None
        out.append(head)
        seqs = [[c for c in s if c != head] for s in seqs]
        seqs = [s for s in seqs if s]
    return out


@dataclass(frozen=True)
class SimResult:
    mro_ok: bool
    init_ok: bool
    failing_class: str | None
    core_initialised: bool
    node_initialised: bool
    uninitialised_mixins: int
    first_init_is_mixin: bool
    n_inits_run: int
    inits_not_reached: tuple[str, ...] = ()

    def vector(self) -> list[float]:
        return [
            float(self.mro_ok),
            float(self.init_ok),
            float(self.core_initialised),
            float(self.node_initialised),
            float(self.uninitialised_mixins),
            float(self.first_init_is_mixin),
            float(self.n_inits_run),
        ]


SIM_COLUMNS = [
    "sim_mro_ok",
    "sim_init_ok",
    "sim_core_initialised",
    "sim_node_initialised",
    "sim_uninitialised_mixins",
    "sim_first_init_is_mixin",
    "sim_n_inits_run",
]


def _accepts(prof: dict[str, Any], npos: int) -> bool:
    if prof.get("init_is_object"):
        return npos == 0
    if npos > prof["init_positional"] and not prof["init_varargs"]:
        return False
    return bool(npos >= prof["init_required_positional"] and prof["init_required_kwonly"] == 0)


def simulate(catalog: Catalog, kind: str, mixins: tuple[str, ...], order: str) -> SimResult:
    node = catalog.node_bases[kind]
    refs = [catalog.mixins[m].ref for m in mixins]
    mros = {catalog.mixins[m].ref: catalog.mixins[m].data["mro"] for m in mixins}
    mros[node["ref"]] = node["mro"]
    bases = [node["ref"], *refs] if order == "node_first" else [*refs, node["ref"]]
    merged = c3_merge([*(mros[b] for b in bases), bases])
    if merged is None:
        return SimResult(False, False, None, False, False, len(mixins), False, 0)
    mixin_refs = set(refs)
    reached: set[str] = set()
    npos, first, ok, failing = 1, True, True, None
    first_is_mixin = False
    for ref in merged:
        prof = catalog.classes.get(ref)
        if prof is None:
            continue
        if prof.get("init_is_protocol_noop"):
            if first:
                continue  # the Protocol shim re-dispatches to the next real __init__
            break
        if first:
            first_is_mixin = ref in mixin_refs
            first = False
        reached.add(ref)
        if not _accepts(prof, npos):
            ok, failing = False, ref
            break
        mode = prof.get("init_super_args", "cut")
        if mode == "cut" or ref == _OBJECT:
            break
        if mode == "none":
            npos = 0
        elif mode == "fixed":
            npos = int(prof.get("init_super_n_args", 0))
        else:
            npos = max(0, npos - int(prof["init_positional"]))
    uninit = sum(1 for r in refs if r in catalog.classes and r not in reached)
    core = any(r.endswith(":NodeCoreBase") for r in reached)
    skipped = tuple(r for r in refs if r in catalog.classes and r not in reached)
    return SimResult(
        True,
        ok,
        failing,
        core,
        node["ref"] in reached,
        uninit,
        first_is_mixin,
        len(reached),
        skipped,
    )
