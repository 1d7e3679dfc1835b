"""The webhook sender's Prometheus metrics (on /metrics with the service's own)."""

from prometheus_client import Counter, Histogram

ATTEMPTS = Counter(
    "codegen_webhook_attempts_total",
    "Callback delivery attempts by outcome (delivered; failed: retried after backoff; parked: "
    "the last allowed attempt failed)",
    ["outcome"],
)
ATTEMPT_SECONDS = Histogram(
    "codegen_webhook_attempt_seconds",
    "One delivery attempt, DNS resolution to the answer read",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
