"""Which mixins to recommend for a node: the candidates, then their ranking by prediction."""

from typing import Any

from app.mixins.catalog import Catalog, MixinProfile
from app.mixins.predictor import Prediction


def candidates_for(
    catalog: Catalog, kind: str, capabilities: list[str], chosen: list[str]
) -> list[MixinProfile]:
    """Capability mixins not chosen yet, not already in the kind's node base, and (when
    capabilities are wanted) tagged with at least one of them."""
    wanted = {c.lower() for c in capabilities}
    return [
        p
        for n, p in catalog.mixins.items()
        if p.capability
        and n not in chosen
        and not p.data.get("in_node_base", {}).get(kind)
        and (not wanted or wanted & set(p.tags))
    ]


def rank_recommendations(
    cands: list[MixinProfile],
    preds: list[Prediction],
    capabilities: list[str],
    *,
    min_probability: float,
    limit: int,
) -> list[dict[str, Any]]:
    """The candidates with their predictions, best first, at most `limit` of them."""
    wanted = {c.lower() for c in capabilities}
    out: list[dict[str, Any]] = []
    for c, p in zip(cands, preds, strict=True):
        matched = sorted(wanted & set(c.tags))
        out.append(
            {
                "mixin": c.name,
                "primary": len(wanted & set(c.primary_tags)),
                "n_primary": len(c.primary_tags),
                "probability": p.probability,
                "compatible": p.compatible,
                "source": p.source,
                "capabilities": matched,
                "tags": list(c.tags),
            }
        )
    out.sort(key=_rank)
    # compatible, or not known to fail; then the best mixin of each wanted capability first
    keep = [d for d in out if float(d["probability"]) >= min_probability]
    firsts: list[dict[str, Any]] = []
    for cap in dict.fromkeys(c.lower() for c in capabilities):
        best = next((d for d in keep if cap in d["capabilities"] and d not in firsts), None)
        if best is not None:
            firsts.append(best)
    keep = firsts + [d for d in keep if d not in firsts]
    return [{k: v for k, v in d.items() if k not in ("primary", "n_primary")} for d in keep][:limit]


def _rank(d: dict[str, Any]) -> tuple[bool, int, int, float, int, str]:
    """Compatible first, then most wanted capabilities in the name, then probability, then the
    most focused mixin (fewest name-derived tags), then name (deterministic)."""
    return (
        not d["compatible"],
        -int(d["primary"]),
        -len(d["capabilities"]),
        -float(d["probability"]),
        int(d["n_primary"]),
        str(d["mixin"]),
    )


class NodeMixinMemo:
    """Mixins chosen per (kind, capabilities), valid while the predictor's revision is the same
    (a new observation, measured reload or model swap invalidates every answer)."""

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._answers: dict[tuple[str, tuple[str, ...]], tuple[int, tuple[str, ...]]] = {}

    def get(self, key: tuple[str, tuple[str, ...]], revision: int) -> list[str] | None:
        found = self._answers.get(key)
        return list(found[1]) if found is not None and found[0] == revision else None

    def put(self, key: tuple[str, tuple[str, ...]], revision: int, mixins: list[str]) -> None:
        if len(self._answers) >= self.max_entries:
            self._answers.clear()
        self._answers[key] = (revision, tuple(mixins))
