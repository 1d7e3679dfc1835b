"""The hostile-package suite again, as the Dockerfile's non-root user (uid 10001): the sandbox
must isolate through a user namespace, or refuse. Run as root, this test starts the suite in a
subprocess under `setpriv`; run as non-root, the suite itself already is that run."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUITE = "tests/sandbox/test_hostile_packages.py tests/sandbox/test_hostile_verification.py"
UID = 10001


def _as_user(command: str, *, without_user_namespaces: bool = False) -> list[str]:
    """`command` as uid 10001 in a private mount namespace. When the interpreter lives where
    that user cannot reach it (a pyenv under /root, here), the namespace opens just that."""
    prefix = Path(sys.base_prefix)
    hidden = next(
        (p for p in prefix.parents if p != Path("/") and not p.stat().st_mode & 0o001), None
    )
    steps = ["mount --make-rprivate /"]
    if hidden is not None:  # e.g. /root is 0700: show a 0755 /root with only the interpreter
        keep = f"/tmp/.sandbox-nonroot-{os.getpid()}"
        steps += [
            f"mkdir -p {keep}",
            f"mount --bind {prefix} {keep}",
            f"mount -t tmpfs -o mode=755 tmpfs {hidden}",
            f"mkdir -p {prefix}",
            f"mount --move {keep} {prefix}",
            f"rmdir {keep}",
        ]
    setpriv = f"setpriv --reuid {UID} --regid {UID} --clear-groups --inh-caps=-all"
    steps.append(f"exec {setpriv} env HOME=/tmp {command}")
    if not without_user_namespaces:
        return ["unshare", "--mount", "sh", "-c", " && ".join(steps)]
    no_userns = [sys.executable, "-m", "tests.sandbox.no_userns"]
    return [*no_userns, "sh", "-c", " && ".join(steps)]


def test_hostile_packages_are_stopped_under_the_non_root_user() -> None:
    if os.getuid() != 0:
        return  # this whole run is non-root: test_hostile_packages.py itself is that proof
    command = f"{sys.executable} -m pytest -q -p no:cacheprovider {SUITE}"
    done = subprocess.run(
        _as_user(command), cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    passed = re.search(r"(\d+) passed", output)
    assert passed and int(passed[1]) >= 11, output[-2000:]
    assert "failed" not in output and "skipped" not in output


def test_without_user_namespaces_the_sandbox_refuses_unless_allowed() -> None:
    if os.getuid() != 0:
        return  # needs root to take user namespaces away from uid 10001
    command = f"{sys.executable} -m tests.sandbox.refusal_check"
    done = subprocess.run(
        _as_user(command, without_user_namespaces=True),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    strict, allowed = report["strict"], report["allowed"]
    assert strict["isolation"] == "refused" and not strict["alive"]
    assert strict["health"] == "down"
    assert "isolation unavailable" in strict["status"]
    assert not strict["ok"] and strict["refused"]
    assert "refused to run the task" in strict["error"]
    assert allowed["isolation"] == "none" and allowed["alive"] and allowed["ok"]
    assert allowed["health"] == "degraded"  # /health says so: never silently unisolated
    assert "NOT isolated" in allowed["status"]
