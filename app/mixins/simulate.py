"""Static simulation of a composition from catalog facts only (no framework import).

C3-linearises the composed bases from each class's recorded MRO, then walks the cooperative
`__init__` chain with the recorded signatures and `super().__init__` call shapes. The result is a
handful of static features (MRO conflict, an `__init__` that rejects its arguments, chain cuts)
that hold for any composition, including mixins never measured. They are features, not labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.mixins.catalog import Catalog

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
