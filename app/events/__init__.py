"""Domain events: a transactional outbox (`outbox.record` adds an event to the caller's own
session), dispatched in batches to NATS JetStream through FastStream, or read as the event log
at GET /events when no broker is configured. Plumbing-like: it imports no capability."""
