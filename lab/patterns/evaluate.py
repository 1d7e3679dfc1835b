"""`make pattern-eval`: replay users' kind verdicts for one half of the labelled corpus through
the service's HTTP API, tune, and score the other half before and after.

Usage: python -m lab.patterns.evaluate [--json FILE]
Exits 1 when tuning made the scored half worse (any kind's F1, or all kinds').
The feedback half is the answer keys' samples and tuning sets (lab/analysis/corpus.py), the
scored half is the validation set, which nothing is ever tuned on. A user's verdict on each kind
the key decides: `required` and produced -> correct, `required` and not produced -> missed (on
the candidate's detection), `absent` and produced -> incorrect, `absent` and not -> correct;
`optional` kinds get no verdict. The service runs in-process (its lifespan, a throwaway SQLite
database built by Alembic); requests go over httpx like any client's.
"""

import argparse
import asyncio
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from app.analysis import patterns
from app.analysis.service import analyse
from app.config import Settings
from app.errors import AppError
from app.main import create_app
from app.migrations import upgrade
from app.models_registry import import_all
from lab.analysis.corpus import Labelled, load, shared_dir

KINDS = ("EFFECT", "COMPUTE", "REDUCER", "ORCHESTRATOR")


def say(line: str) -> None:
    sys.stdout.write(line + "\n")


def verdict(expected: str, emitted: bool) -> str | None:
    if expected == "required":
        return "correct" if emitted else "missed"
    if expected == "absent":
        return "incorrect" if emitted else "correct"
    return None


async def replay(http: AsyncClient, items: list[Labelled]) -> Counter[str]:
    """Generate each document, then post the key's verdicts on its kind detections."""
    sent: Counter[str] = Counter()
    for item in items:
        prd = item.document.read_text(encoding="utf-8")
        answer = await http.post("/generate", json={"prd": prd, "verify": False})
        if answer.status_code != 201:
            sent["refused documents"] += 1  # no generation: nothing to give feedback on
            continue
        generation = answer.json()
        for detection in generation["detections"]:
            if detection["pattern"] not in patterns.KIND_PATTERNS:
                continue
            kind = detection["pattern"].removeprefix("kind.").upper()
            said = verdict(item.key["kinds"][kind]["expected"], detection["emitted"])
            if said is None:
                continue
            body = {
                "generation_id": generation["id"],
                "detection_id": detection["id"],
                "pattern": detection["pattern"],
                "verdict": said,
            }
            posted = await http.post("/feedback/patterns", json=body)
            posted.raise_for_status()
            sent[said] += 1
    return sent


def kind_counts(items: list[Labelled], thresholds: Mapping[str, float]) -> dict[str, Counter[str]]:
    """Per kind pattern: tp, fp, fn of the kinds produced against the keys."""
    counts: dict[str, Counter[str]] = {p: Counter() for p in patterns.KIND_PATTERNS}
    for item in items:
        try:
            plan = analyse(item.document.read_text(encoding="utf-8"), thresholds=thresholds)
            produced = {node.kind for node in plan.nodes}
        except AppError:
            produced = set()
        for kind in KINDS:
            expected = item.key["kinds"][kind]["expected"]
            bucket = counts[patterns.kind_pattern(kind)]
            if expected == "required":
                bucket["tp" if kind in produced else "fn"] += 1
            elif expected == "absent":
                bucket["fp" if kind in produced else "tn"] += 1
    return counts


def figures(c: Counter[str]) -> dict[str, float | None]:
    precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else None
    recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else None
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else None
    return {"precision": precision, "recall": recall, "f1": f1}


def fmt(value: float | None) -> str:
    return " n/a" if value is None else f"{value:.2f}"


def table(name: str, before: dict[str, Counter[str]], after: dict[str, Counter[str]]) -> list[str]:
    lines = [f"{name}: kind produced vs answer key, before -> after tuning"]
    lines.append(
        f"  {'pattern':<20}{'precision':>16}{'recall':>16}{'F1':>16}   tp/fp/fn before -> after"
    )
    total_before, total_after = Counter[str](), Counter[str]()
    for pattern in patterns.KIND_PATTERNS:
        b, a = figures(before[pattern]), figures(after[pattern])
        total_before.update(before[pattern])
        total_after.update(after[pattern])
        cells = "".join(
            f"{fmt(b[k]) + ' -> ' + fmt(a[k]):>16}" for k in ("precision", "recall", "f1")
        )
        counts = "/".join(str(before[pattern][k]) for k in ("tp", "fp", "fn"))
        counts += " -> " + "/".join(str(after[pattern][k]) for k in ("tp", "fp", "fn"))
        lines.append(f"  {pattern:<20}{cells}   {counts}")
    b, a = figures(total_before), figures(total_after)
    cells = "".join(f"{fmt(b[k]) + ' -> ' + fmt(a[k]):>16}" for k in ("precision", "recall", "f1"))
    lines.append(f"  {'all kinds':<20}{cells}")
    return lines


def service_settings(workdir: Path) -> Settings:
    """A throwaway SQLite database, built by Alembic, and an open service."""
    settings = Settings()
    settings.database.url = f"sqlite+aiosqlite:///{workdir / 'pattern-eval.db'}"
    settings.mixins.model_path = workdir / "mixin_model"
    settings.verification.workers = 1
    settings.log.level = "WARNING"  # the figures, not the service's request log
    settings.auth.mode = "open"
    settings.auth.generate_rate = settings.auth.feedback_rate = "1000000/minute"
    import_all()
    upgrade(settings.database.url)
    return settings


async def run(shared: Path, settings: Settings) -> dict[str, Any]:
    items = load(shared)
    feedback_half = [i for i in items if i.set_name in ("samples", "tuning")]
    scored_half = [i for i in items if i.set_name == "validation"]
    async with LifespanManager(create_app(settings), startup_timeout=120) as manager:
        transport = ASGITransport(app=manager.app)
        async with AsyncClient(transport=transport, base_url="http://eval", timeout=120) as http:
            sent = await replay(http, feedback_half)
            tuned = (await http.post("/patterns/tune")).raise_for_status().json()
            active = (await http.get("/patterns/thresholds")).raise_for_status().json()
    thresholds = {
        entry["pattern"]: entry["threshold"]
        for entry in active["patterns"]
        if entry["active"] is not None
    }
    return {
        "sent": dict(sent),
        "decisions": tuned["decisions"],
        "thresholds": thresholds,
        "feedback_half": (kind_counts(feedback_half, {}), kind_counts(feedback_half, thresholds)),
        "scored_half": (kind_counts(scored_half, {}), kind_counts(scored_half, thresholds)),
        "sizes": (len(feedback_half), len(scored_half)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    shared = shared_dir()
    if shared is None:
        say("pattern-eval: the shared folder with the PRDs is absent; nothing to score")
        return 0
    with tempfile.TemporaryDirectory(prefix="pattern-eval-") as workdir:
        result = asyncio.run(run(shared, service_settings(Path(workdir))))
    sizes = result["sizes"]
    say(f"feedback replayed for {sizes[0]} documents (samples + tuning): {result['sent']}")
    for decision in result["decisions"]:
        if decision["pattern"] in patterns.KIND_PATTERNS:
            proposed = decision["proposed"]
            say(
                f"  {decision['pattern']:<20} threshold {decision['current']:.3f} -> "
                f"{'n/a' if proposed is None else f'{proposed:.3f}'}"
                f" {'APPLIED' if decision['applied'] else 'kept'}: {decision['reason']}"
            )
    say("")
    for line in table(
        f"validation half ({sizes[1]} documents, never tuned on)", *result["scored_half"]
    ):
        say(line)
    say("")
    for line in table(f"feedback half ({sizes[0]} documents, tuned on)", *result["feedback_half"]):
        say(line)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=dict), encoding="utf-8")
    worse = worsened(*result["scored_half"])
    say("")
    say(f"validation half worse after tuning: {', '.join(worse) or 'nowhere'}")
    return 1 if worse else 0


def worsened(before: dict[str, Counter[str]], after: dict[str, Counter[str]]) -> list[str]:
    """The kind patterns (and 'all kinds') whose F1 on the scored half dropped."""
    pairs = [(p, before[p], after[p]) for p in patterns.KIND_PATTERNS]
    pairs.append(("all kinds", sum(before.values(), Counter()), sum(after.values(), Counter())))
    return [name for name, b, a in pairs if (figures(a)["f1"] or 0.0) < (figures(b)["f1"] or 0.0)]


if __name__ == "__main__":
    raise SystemExit(main())
