"""The dispatcher's Prometheus metrics (on /metrics with the service's own)."""

from prometheus_client import Counter, Gauge, Histogram

BATCH_SIZE = Histogram(
    "codegen_events_batch_size",
    "Events claimed per dispatcher batch",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
)
PUBLISH_LATENCY = Histogram(
    "codegen_events_publish_latency_seconds",
    "From an event's commit (occurred_at) to JetStream's ack",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
ATTEMPTS = Counter(
    "codegen_events_publish_attempts_total",
    "Publish attempts by outcome (published, duplicate: JetStream had it already, rejected: "
    "the broker refused the event, unavailable: the broker could not be reached)",
    ["outcome"],
)
FAILURES = Counter("codegen_events_publish_failures_total", "Failed publish attempts")
LAG = Gauge(
    "codegen_events_outbox_lag_seconds", "Age of the oldest unpublished, unparked event (0: none)"
)
PARKED = Gauge("codegen_events_parked", "Events parked after events.max_attempts rejections")
PRUNED = Counter("codegen_events_pruned_total", "Published events removed by retention")
