"""What the sandbox enforces, as the pool hands it to its warm parents (see `isolation`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.config import Settings, VerificationSettings


def _default_hidden() -> tuple[str, ...]:
    return tuple(str(p) for p in VerificationSettings().hidden_paths)


@dataclass(frozen=True)
class SandboxPolicy:
    """Who untrusted code runs as, what it cannot see, its limits, and whether it may run
    unisolated when isolation cannot be applied (never by default)."""

    uid: int = 65534
    gid: int = 65534
    hidden_paths: tuple[str, ...] = field(default_factory=_default_hidden)
    scratch_mb: int = 64
    max_processes: int = 64
    max_open_files: int = 256
    max_file_size_mb: int = 64
    allow_unisolated: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> SandboxPolicy:
        """The configured policy; the SQLite database's folder and the mixin model folder are
        hidden too, wherever they are configured."""
        v = settings.verification
        hidden = [*v.hidden_paths, settings.mixins.model_path]
        url = settings.database.url
        if url.startswith("sqlite") and ":///" in url:
            hidden.append(Path(url.split(":///", 1)[1].split("?", 1)[0]).parent)
        return cls(
            uid=v.sandbox_uid,
            gid=v.sandbox_gid,
            hidden_paths=tuple(str(p) for p in hidden),
            scratch_mb=v.sandbox_scratch_mb,
            max_processes=v.max_processes,
            max_open_files=v.max_open_files,
            max_file_size_mb=v.max_file_size_mb,
            allow_unisolated=v.allow_unisolated,
        )

    def to_config(self) -> dict[str, Any]:
        """The warm parents' part of the worker config (paths made absolute here)."""
        hidden = sorted({os.path.abspath(p) for p in self.hidden_paths})
        return {
            "allow_unisolated": self.allow_unisolated,
            "policy": {
                "uid": self.uid,
                "gid": self.gid,
                "hidden_paths": hidden,
                "scratch_mb": self.scratch_mb,
            },
            "limits": {
                "max_processes": self.max_processes,
                "max_open_files": self.max_open_files,
                "max_file_size_mb": self.max_file_size_mb,
            },
        }
