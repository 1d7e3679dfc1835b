"""Run by tests/sandbox/test_hostile_nonroot.py as a non-root user who cannot create user
namespaces: prints what the sandbox pool does then, as JSON."""

import asyncio
import json
import sys

from app.sandbox import SandboxPolicy, SandboxPool

T = "tests.sandbox.tasks"


async def main() -> None:
    out = {}
    async with SandboxPool(preload=[], workers=1) as pool:
        result = await pool.run(f"{T}:echo", {}, timeout_s=5)
        out["strict"] = {
            "isolation": pool.isolation,
            "alive": pool.alive,
            "health": pool.health,
            "status": pool.status,
            "ok": result.ok,
            "refused": result.refused,
            "error": result.error,
        }
    async with SandboxPool(
        preload=[], workers=1, policy=SandboxPolicy(allow_unisolated=True)
    ) as pool:
        result = await pool.run(f"{T}:echo", {}, timeout_s=5)
        out["allowed"] = {
            "isolation": pool.isolation,
            "alive": pool.alive,
            "health": pool.health,
            "status": pool.status,
            "ok": result.ok,
        }
    sys.stdout.write(json.dumps(out) + "\n")


asyncio.run(main())
