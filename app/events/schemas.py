"""Event types, their payloads (schema version 1) and the envelopes GET /events returns.

Every event is an envelope (`id` UUIDv7, `type`, `schema_version`, `occurred_at`,
`correlation_id`, `aggregate_id`) around a payload whose model is `PAYLOADS[type]`. On the broker
the message body is the same envelope, on subject `<events.subject_prefix>.<type>`, with the
`Nats-Msg-Id` header set to the event id. Payload models allow extra fields (a producer may add
some); the fields listed are always there. A change that removes or retypes a field bumps
`schema_version`.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

EventType = Literal[
    "generation.requested",
    "generation.completed",
    "generation.failed",
    "feedback.recorded",
    "patterns.tuned",
    "mixins.outcome_recorded",
    "mixins.model_trained",
]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="allow")


class GenerationRequested(_Payload):
    """A generation was accepted (aggregate: the generation id)."""

    generation_id: str


class GenerationCompleted(_Payload):
    """A generation finished and was stored (aggregate: the generation id)."""

    generation_id: str
    status: str


class GenerationFailed(_Payload):
    """A generation failed (aggregate: the generation id); `error` is the error code."""

    generation_id: str
    error: str


class FeedbackRecorded(_Payload):
    """Feedback on a generation or a pattern was stored (aggregate: the generation id)."""

    generation_id: str | None = None
    kind: str


class PatternsTuned(_Payload):
    """Pattern thresholds changed (aggregate: `patterns`)."""

    patterns: list[str]


class MixinOutcomeRecorded(_Payload):
    """Measured mixin composition outcomes were added (aggregate: the framework version)."""

    source: str
    framework_version: str
    observations: int
    compositions: int


class MixinModelTrained(_Payload):
    """A mixin compatibility model was trained and activated (aggregate: `mixins.model`)."""

    framework_version: str
    version: str | None = None
    samples: int


PAYLOADS: dict[str, type[_Payload]] = {
    "generation.requested": GenerationRequested,
    "generation.completed": GenerationCompleted,
    "generation.failed": GenerationFailed,
    "feedback.recorded": FeedbackRecorded,
    "patterns.tuned": PatternsTuned,
    "mixins.outcome_recorded": MixinOutcomeRecorded,
    "mixins.model_trained": MixinModelTrained,
}


class _Envelope(BaseModel):
    id: str = Field(description="UUIDv7: ordered by creation; the broker's Nats-Msg-Id")
    schema_version: int
    occurred_at: datetime
    correlation_id: str
    aggregate_id: str


class GenerationRequestedEvent(_Envelope):
    type: Literal["generation.requested"]
    payload: GenerationRequested


class GenerationCompletedEvent(_Envelope):
    type: Literal["generation.completed"]
    payload: GenerationCompleted


class GenerationFailedEvent(_Envelope):
    type: Literal["generation.failed"]
    payload: GenerationFailed


class FeedbackRecordedEvent(_Envelope):
    type: Literal["feedback.recorded"]
    payload: FeedbackRecorded


class PatternsTunedEvent(_Envelope):
    type: Literal["patterns.tuned"]
    payload: PatternsTuned


class MixinOutcomeRecordedEvent(_Envelope):
    type: Literal["mixins.outcome_recorded"]
    payload: MixinOutcomeRecorded


class MixinModelTrainedEvent(_Envelope):
    type: Literal["mixins.model_trained"]
    payload: MixinModelTrained


Event = Annotated[
    GenerationRequestedEvent
    | GenerationCompletedEvent
    | GenerationFailedEvent
    | FeedbackRecordedEvent
    | PatternsTunedEvent
    | MixinOutcomeRecordedEvent
    | MixinModelTrainedEvent,
    Field(discriminator="type"),
]


class EventPage(BaseModel):
    """Events in order; pass `next_after` as `after` for the next page (null: none yet)."""

    items: list[Event]
    next_after: str | None


class Delivery(BaseModel):
    published_at: datetime | None
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    parked_at: datetime | None


class ParkedEvent(BaseModel):
    event: Event
    delivery: Delivery


class ParkedList(BaseModel):
    items: list[ParkedEvent]


class TypeStats(BaseModel):
    type: str
    published: int
    pending: int
    parked: int
    retries: int = Field(description="failed publish attempts of these events")
    success_rate: float | None = Field(description="published / (published + parked)")
    p50_latency_ms: float | None = Field(description="commit (occurred_at) to broker ack")
    p95_latency_ms: float | None


class EventAnalytics(BaseModel):
    since: datetime
    until: datetime
    events: int
    by_type: list[TypeStats]
    overall: TypeStats


def envelope(row: Any) -> dict[str, Any]:
    """The envelope of an OutboxEvent row (what the broker gets and GET /events lists)."""
    return {
        "id": row.id,
        "type": row.type,
        "schema_version": row.schema_version,
        "occurred_at": row.occurred_at,
        "correlation_id": row.correlation_id,
        "aggregate_id": row.aggregate_id,
        "payload": row.payload,
    }
