"""The sandbox pool on /metrics: size, busy and queued, read at scrape time from the pool the
service runs (bound in the lifespan; a process without one reports zeros)."""

from prometheus_client import Gauge

from app.sandbox.pool import SandboxPool

SIZE = Gauge("codegen_sandbox_pool_size", "Warm sandbox workers")
BUSY = Gauge("codegen_sandbox_pool_busy", "Warm sandbox workers running a task")
QUEUED = Gauge("codegen_sandbox_pool_queued", "Sandbox tasks waiting for a worker")


def bind(pool: SandboxPool) -> None:
    SIZE.set_function(lambda: pool.size)
    BUSY.set_function(lambda: pool.in_use)
    QUEUED.set_function(lambda: pool.queued)
