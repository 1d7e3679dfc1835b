"""Feature rows for a composition (1 or 2 mixins): static profile + kind + order + measured singles.

Leakage rule: a row never contains the outcome of its own composition. The only outcome-derived
columns are `single_*`: measured outcomes of *single-mixin* compositions, looked up in a
`SinglesTable` that excludes the row's own key (so a single's row never sees its own label), and
that the caller masks (NaN) for a never-measured mixin.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from app.mixins.catalog import KINDS, ORDERS, SIM_COLUMNS, Catalog, MixinProfile, simulate

_BOOL = [
    "init_own",
    "init_is_object",
    "init_is_protocol_noop",
    "init_varargs",
    "init_varkw",
    "init_chains_super",
    "init_super_passes_args",
    "defines_process",
    "defines_initialize",
    "defines_cleanup",
    "is_protocol",
    "is_generic",
    "in_all",
]
_INT = [
    "init_positional",
    "init_required_positional",
    "init_kwonly",
    "init_required_kwonly",
    "n_methods",
    "n_properties",
    "mro_len",
    "n_bases",
]
_LEN = [
    "abstract_methods",
    "ro_property_collisions",
    "property_collisions",
    "method_collisions",
    "signature_collisions",
    "attr_collisions",
    "requires_unmet_by_node",
]
_SUPER = {"cut": 0.0, "none": 1.0, "fixed": 2.0, "passthrough": 3.0}
MIXIN_COLUMNS = [
    *_BOOL,
    *_INT,
    *(f"n_{c}" for c in _LEN),
    "super_mode",
    "metaclass_not_type",
    "runtime_module",
    "in_node_base",
    "shares_base_mro",
]
SINGLE_COLUMNS = ["single_same", "single_other_kinds", "single_other_order"]
PAIR_COLUMNS = ["a_provides_b_needs", "b_provides_a_needs", "shared_members", "related_mro"]
# singles_failing_effective: measured failing singles (same kind and order), not counting a mixin
# whose single failed because its own __init__ rejects its arguments when this composition's
# chain never reaches that __init__ (a chain cut by the other mixin "rescues" it).
AGG_COLUMNS = ["singles_failing_effective", "singles_known_same", "failing_singles_rescued"]
REACH_COLUMNS = ["a_init_skipped", "b_init_skipped"]
COLUMNS: list[str] = [
    *(f"kind_{k}" for k in KINDS),
    "order_mixins_first",
    "n_mixins",
    *SIM_COLUMNS,
    *(f"a_{c}" for c in MIXIN_COLUMNS),
    *(f"b_{c}" for c in MIXIN_COLUMNS),
    *(f"a_{c}" for c in SINGLE_COLUMNS),
    *(f"b_{c}" for c in SINGLE_COLUMNS),
    *PAIR_COLUMNS,
    *AGG_COLUMNS,
    *REACH_COLUMNS,
]
N_FEATURES = len(COLUMNS)
_SINGLE_OFFSET = COLUMNS.index("a_single_same")
_AGG_OFFSET = COLUMNS.index("singles_failing_effective")
_REACH_OFFSET = COLUMNS.index("a_init_skipped")
NAN = math.nan


def mixin_vector(p: MixinProfile, kind: str) -> list[float]:
    d = p.data
    return [
        *(float(bool(d.get(c))) for c in _BOOL),
        *(float(d.get(c, 0)) for c in _INT),
        *(float(len(d.get(c, []))) for c in _LEN),
        _SUPER.get(str(d.get("init_super_args", "cut")), 0.0),
        float(d.get("metaclass") != "type"),
        float(not str(d.get("module", "")).startswith("omnibase_core.mixins")),
        float(bool(d.get("in_node_base", {}).get(kind))),
        float(bool(d.get("shares_base_mro", {}).get(kind))),
    ]


@dataclass
class SinglesTable:
    """Measured single-mixin outcomes: (kind, order, mixin) -> success rate."""

    rates: dict[tuple[str, str, str], float] = field(default_factory=dict)
    _memo: dict[tuple[str, str, str, bool], list[float]] = field(default_factory=dict, repr=False)

    def lookup(self, name: str, kind: str, order: str, *, exclude_self: bool) -> list[float]:
        key = (name, kind, order, exclude_self)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        r = self.rates
        same = NAN if exclude_self else r.get((kind, order, name), NAN)
        others = [r[(k, order, name)] for k in KINDS if k != kind and (k, order, name) in r]
        other_order = next(o for o in ORDERS if o != order)
        flip = [r[(k, other_order, name)] for k in KINDS if (k, other_order, name) in r]
        out = [
            same,
            sum(others) / len(others) if others else NAN,
            sum(flip) / len(flip) if flip else NAN,
        ]
        self._memo[key] = out
        return out

    def without(self, names: set[str]) -> SinglesTable:
        return SinglesTable({k: v for k, v in self.rates.items() if k[2] not in names})


class FeatureBuilder:
    """Builds and caches static parts of rows; single lookups are added per call (cheap)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._static: dict[tuple[str, str, tuple[str, ...]], npt.NDArray[np.float64]] = {}
        self._mixin: dict[tuple[str, str], list[float]] = {}
        self._rejects: dict[tuple[str, str], bool] = {}

    def _mixin_vec(self, name: str, kind: str) -> list[float]:
        key = (name, kind)
        if key not in self._mixin:
            self._mixin[key] = mixin_vector(self.catalog.mixins[name], kind)
        return self._mixin[key]

    def static_row(self, kind: str, order: str, mixins: tuple[str, ...]) -> npt.NDArray[np.float64]:
        key = (kind, order, mixins)
        row = self._static.get(key)
        if row is not None:
            return row
        if not 1 <= len(mixins) <= 2:
            raise ValueError("feature rows describe 1 or 2 mixins")
        a = mixins[0]
        b = mixins[1] if len(mixins) == 2 else None
        vals: list[float] = [float(kind == k) for k in KINDS]
        vals += [float(order == "mixins_first"), float(len(mixins))]
        sim = simulate(self.catalog, kind, mixins, order)
        vals += sim.vector()
        vals += self._mixin_vec(a, kind)
        vals += self._mixin_vec(b, kind) if b else [NAN] * len(MIXIN_COLUMNS)
        vals += [NAN] * (2 * len(SINGLE_COLUMNS))
        vals += self._pair(a, b)
        vals += [NAN, NAN, NAN]
        vals += [self._skipped(m, sim.inits_not_reached) if m else NAN for m in (a, b)]
        row = np.asarray(vals, dtype=np.float64)
        self._static[key] = row
        return row

    def _rejects_alone(self, name: str, kind: str, order: str) -> bool:
        """Static: alone, this mixin's own __init__ rejects the arguments it receives."""
        if not name:
            return False
        key = (name, kind + "|" + order)
        hit = self._rejects.get(key)
        if hit is None:
            sim = simulate(self.catalog, kind, (name,), order)
            hit = sim.failing_class == self.catalog.mixins[name].ref
            self._rejects[key] = hit
        return hit

    def _skipped(self, name: str, skipped: tuple[str, ...]) -> float:
        """1: the mixin's own __init__ is never reached in this composition (chain cut), 0: it
        is, NaN: it has no __init__ of its own."""
        ref = self.catalog.mixins[name].ref
        return NAN if ref not in self.catalog.classes else float(ref in skipped)

    def _pair(self, a: str, b: str | None) -> list[float]:
        if b is None:
            return [NAN] * len(PAIR_COLUMNS)
        pa, pb = self.catalog.mixins[a].data, self.catalog.mixins[b].data
        prov_a, prov_b = set(pa.get("provides", [])), set(pb.get("provides", []))
        need_a, need_b = (
            set(pa.get("requires_unmet_by_node", [])),
            set(pb.get("requires_unmet_by_node", [])),
        )
        related = pb["ref"] in pa.get("mro", []) or pa["ref"] in pb.get("mro", [])
        return [
            float(len(prov_a & need_b)),
            float(len(prov_b & need_a)),
            float(len(prov_a & prov_b)),
            float(related),
        ]

    def rows(
        self,
        queries: list[tuple[str, str, tuple[str, ...]]],
        singles: SinglesTable,
        masked: Mapping[int, tuple[bool, bool]] | None = None,
    ) -> npt.NDArray[np.float64]:
        """queries: (kind, order, canonical mixins). masked[i] = (mask a, mask b) single lookups."""
        out = np.empty((len(queries), N_FEATURES), dtype=np.float64)
        for i, (kind, order, mixins) in enumerate(queries):
            out[i] = self.static_row(kind, order, mixins)
            ma, mb = masked.get(i, (False, False)) if masked else (False, False)
            is_single = len(mixins) == 1
            o = _SINGLE_OFFSET
            if not ma:
                out[i, o : o + 3] = singles.lookup(mixins[0], kind, order, exclude_self=is_single)
            if not is_single and not mb:
                out[i, o + 3 : o + 6] = singles.lookup(mixins[1], kind, order, exclude_self=False)
            same = out[i, [o, o + 3]]
            known = same[~np.isnan(same)]
            fails = same < 0.5  # NaN compares False: unknown singles never count
            skipped = out[i, [_REACH_OFFSET, _REACH_OFFSET + 1]] == 1.0
            own = np.asarray([self._rejects_alone(m, kind, order) for m in (*mixins, "")][:2])
            rescued = float(np.sum(fails & skipped & own))
            out[i, _AGG_OFFSET] = float(np.sum(fails)) - rescued if known.size else NAN
            out[i, _AGG_OFFSET + 1] = float(known.size)
            out[i, _AGG_OFFSET + 2] = rescued
        return out
