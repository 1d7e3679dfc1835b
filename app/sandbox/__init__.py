"""Run untrusted code in forked children of warm, preloaded parent processes."""

from app.sandbox.pool import SandboxError, SandboxPolicy, SandboxPool, SandboxResult, run_once

__all__ = ["SandboxError", "SandboxPolicy", "SandboxPool", "SandboxResult", "run_once"]
