"""Which detection a verdict is about, and whether the verdict fits it. Pure, no I/O.

On an emitted detection: correct (TP), incorrect (FP) or partial; never missed. On a detection
below its threshold (not emitted): missed (FN) or correct (rightly not emitted); never incorrect
or partial. Without a detection id, `missed` binds to the one non-emitted detection of its
pattern when there is exactly one (else to none: no confidence), and the other verdicts bind to
the one emitted detection of their pattern (none or several: the client must name it).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.analysis.patterns import all_patterns
from app.analysis.plan import Detection
from app.feedback.errors import (
    DetectionRequired,
    PatternMismatch,
    UnknownDetection,
    UnknownPattern,
    VerdictDoesNotFit,
)
from app.feedback.schemas import Verdict

_FITS = {True: {"correct", "incorrect", "partial"}, False: {"missed", "correct"}}


@dataclass(frozen=True)
class Binding:
    detection: Detection | None

    @property
    def confidence(self) -> float | None:
        return None if self.detection is None else self.detection.confidence

    @property
    def emitted(self) -> bool | None:
        return None if self.detection is None else self.detection.emitted


def stored_detections(result: object) -> list[Detection]:
    """A generation's detections, from its stored `result` (none before detections existed)."""
    raw = result.get("detections") if isinstance(result, dict) else None
    return [Detection.model_validate(item) for item in raw or ()]


def check_patterns(pattern: str, actual_pattern: str | None) -> None:
    known = all_patterns()
    if pattern not in known:
        raise UnknownPattern(pattern)
    if actual_pattern is not None and actual_pattern not in known:
        raise UnknownPattern(actual_pattern, "actual_pattern")


def bind(
    generation_id: str,
    detections: Sequence[Detection],
    detection_id: str | None,
    pattern: str,
    verdict: Verdict,
) -> Binding:
    if detection_id is not None:
        found = find(detections, detection_id)
        if found is None:
            raise UnknownDetection(generation_id, detection_id)
        if found.pattern != pattern:
            raise PatternMismatch(detection_id, found.pattern, pattern)
        check_fit(found, verdict)
        return Binding(found)
    same = [d for d in detections if d.pattern == pattern]
    if verdict == "missed":
        below = [d for d in same if not d.emitted]
        return Binding(below[0] if len(below) == 1 else None)
    emitted = [d for d in same if d.emitted]
    if len(emitted) != 1:
        raise DetectionRequired(pattern, len(emitted))
    return Binding(emitted[0])


def check_fit(detection: Detection, verdict: Verdict) -> None:
    if verdict in _FITS[detection.emitted]:
        return
    if detection.emitted:
        raise VerdictDoesNotFit(
            f"detection {detection.id!r} was emitted: say correct, incorrect or partial "
            "(missed is for a pattern the generation did not produce)"
        )
    raise VerdictDoesNotFit(
        f"detection {detection.id!r} was not emitted (below its threshold): use missed if it "
        f"should have been, correct if it rightly was not ({verdict} does not apply)"
    )


def find(detections: Iterable[Detection], detection_id: str) -> Detection | None:
    return next((d for d in detections if d.id == detection_id), None)
