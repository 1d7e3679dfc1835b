"""Signed webhooks: a generation's completion or failure POSTed to its `callback_url`, signed,
retried with backoff, parked after `webhooks.max_attempts`, behind an SSRF policy."""
