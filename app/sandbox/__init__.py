"""Run untrusted code in forked children of warm, preloaded parent processes."""

from app.sandbox.pool import SandboxError, SandboxPool, SandboxResult, run_once

__all__ = ["SandboxError", "SandboxPool", "SandboxResult", "run_once"]
