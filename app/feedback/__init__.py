"""Feedback on generations: per-detection verdicts, per-generation ratings, idempotent writes."""
