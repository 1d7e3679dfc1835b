"""What generation needs from the feedback capability, as Protocols (wired in the lifespan).

Generation never imports feedback: it reads the active thresholds through `ThresholdSource` and
hands the verifier's and the findings' automated verdicts to a `VerdictSink`, in the same
transaction as the generation they are about; `FeedbackSummaries` sums up what users said.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app.analysis.plan import Detection
from app.generation.schemas import GenerationFeedbackSummary

Verdict = Literal["correct", "incorrect", "partial", "missed"]


@dataclass(frozen=True)
class AutomatedVerdict:
    detection_id: str
    pattern: str
    verdict: Verdict
    comment: str


class ThresholdSource(Protocol):
    async def active(self) -> Mapping[str, float]:
        """pattern -> threshold for every pattern with a tuned one (defaults apply elsewhere)"""
        ...


class VerdictSink(Protocol):
    async def record_automated(
        self,
        session: AsyncSession,
        generation_id: str,
        detections: Sequence[Detection],
        verdicts: Sequence[AutomatedVerdict],
    ) -> None:
        """Add the verdicts to `session` (not committed: the caller commits with its row)."""
        ...


class FeedbackSummaries(Protocol):
    async def summary(
        self, session: AsyncSession, generation_id: str
    ) -> GenerationFeedbackSummary | None:
        """None when nobody has given feedback on this generation"""
        ...
