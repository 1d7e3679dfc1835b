"""Access control: API keys (hashed at rest, scoped), the bearer-token guard routes depend on,
and per-key rate limits. Plumbing-like: capabilities' routers import it; it imports none of them."""
