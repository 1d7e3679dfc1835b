"""The mixin catalog: discovered profiles, capability tags, and a file cache keyed by version."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from app.config import PROJECT_ROOT

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
            [python, "-m", "app.mixins.discovery", out.name],
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
