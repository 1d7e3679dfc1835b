"""The parent's handle on one forked sandbox child: fork, hand over, read the answer, tear down.

The outer child reports the pid of the inner one (PID 1 of the sandbox's PID namespace) on a
third pipe; every kill and stop goes to both, the inner one through a pidfd (no pid reuse race),
so a task that leaves the process group still dies with its namespace.

Standard library only, like the rest of the warm parent's code.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import time
from typing import Any

from app.sandbox.child import HEADER_BYTES, MAX_RESULT_BYTES, child_main

_EXIT_WAIT_S = 1.0  # how long an answerless child gets to exit before it is killed
_SETUP_WAIT_S = 10.0  # how long the outer child gets to make its namespaces and fork


class ForkedChild:
    """A forked child waiting for (or running) its one request, seen from the parent."""

    def __init__(self, config: dict[str, Any]) -> None:
        """Fork a child that waits for its request."""
        request_r, self.request_w = os.pipe()
        self.result_r, result_w = os.pipe()
        info_r, info_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            for fd in (self.request_w, self.result_r, info_r):
                os.close(fd)
            child_main(config, request_r, result_w, info_w)
        for fd in (request_r, result_w, info_w):
            os.close(fd)
        self.pid = pid
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.setpgid(pid, pid)  # also done by the child; whichever runs first wins the race
        self.pidfd = os.pidfd_open(pid)
        self.status: int | None = None
        self.inner_pidfd = -1
        self.setup_error: str | None = None
        self._read_setup(info_r)

    def _read_setup(self, info_r: int) -> None:
        """The outer child's one report: the inner child's pid, or why it could not isolate."""
        raw = b""
        try:
            while select.select([info_r], [], [], _SETUP_WAIT_S)[0]:
                chunk = os.read(info_r, 4096)
                if not chunk:
                    break
                raw += chunk
        finally:
            os.close(info_r)
        try:
            info = json.loads(raw) if raw else {}
        except ValueError:
            info = {}
        if "pid" in info:
            with contextlib.suppress(ProcessLookupError):
                self.inner_pidfd = os.pidfd_open(int(info["pid"]))
            return
        self.setup_error = str(info.get("error") or "the sandbox child died while setting up")
        self._signal(signal.SIGKILL)

    @property
    def fds(self) -> tuple[int, ...]:
        """The parent's open fds of this child."""
        fds = (self.request_w, self.result_r, self.pidfd, self.inner_pidfd)
        return tuple(fd for fd in fds if fd >= 0)

    def _signal(self, sig: int) -> None:
        """`sig` to the inner child (and so its namespace) and to the outer one's group."""
        if self.inner_pidfd >= 0:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                signal.pidfd_send_signal(self.inner_pidfd, sig)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def send(self, request: dict[str, Any]) -> bool:
        """Hand the request over; False if the child is already gone."""
        try:
            data = memoryview(json.dumps(request).encode())
            while data:
                data = data[os.write(self.request_w, data) :]
        except BrokenPipeError:
            return False
        finally:
            os.close(self.request_w)
            self.request_w = -1
        return True

    def release(self) -> None:
        """Done with it: kill its process group (stray grandchildren), close our fds.

        The exit status is collected later by `reap()`, off the critical path.
        """
        if self.status is None:
            self._signal(signal.SIGKILL)
        for fd in self.fds:
            os.close(fd)
        self.request_w = self.result_r = self.pidfd = self.inner_pidfd = -1

    def receive(self, deadline: float) -> tuple[bytes | None, bool]:
        """Read the answer until `deadline` (a `time.monotonic()` value).

        Returns (the answer's bytes, or None if the child gave none; whether it timed out).
        A child without an answer has exited, or is killed, by the time this returns.
        """
        buffer = bytearray()
        expected: int | None = None
        while expected is None or len(buffer) < expected:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._signal(signal.SIGKILL)
                return None, True
            readable, _, _ = select.select([self.result_r, self.pidfd], [], [], remaining)
            if self.result_r in readable:
                chunk = os.read(self.result_r, 1 << 16)
                if not chunk:
                    break  # EOF: the child exited (or closed the pipe) without a full answer
                buffer += chunk
                if expected is None and len(buffer) >= HEADER_BYTES:
                    expected = HEADER_BYTES + int.from_bytes(buffer[:HEADER_BYTES], "big")
                    if expected > HEADER_BYTES + MAX_RESULT_BYTES:
                        break
            elif self.pidfd in readable:
                os.set_blocking(self.result_r, False)  # drain what it wrote before dying
                with contextlib.suppress(BlockingIOError):
                    while chunk := os.read(self.result_r, 1 << 16):
                        buffer += chunk
                break
        if expected is not None and len(buffer) >= expected:
            return bytes(buffer[HEADER_BYTES:expected]), False
        if not select.select([self.pidfd], [], [], _EXIT_WAIT_S)[0]:
            self._signal(signal.SIGKILL)
        return None, False

    def freeze(self) -> None:
        """Stop the child's whole process group (the child also stops itself after answering)."""
        if self.status is None:
            self._signal(signal.SIGSTOP)

    def reap(self) -> int:
        """Wait for the child to exit (and release it); returns the wait status."""
        if self.status is None:
            try:
                _, self.status = os.waitpid(self.pid, 0)
            finally:
                self._signal(signal.SIGKILL)  # stray grandchildren of the task
                self.release()
        return self.status

    def discard(self) -> None:
        """Drop a child whatever its state (an unused spare also exits on its pipe's EOF)."""
        self.release()
        self.reap()


def describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        hint = {
            "SIGXCPU": " (CPU time limit)",
            "SIGKILL": " (killed)",
            "SIGXFSZ": " (file size limit)",
        }
        return f"child killed by signal {name}{hint.get(name, '')}"
    return f"child exited with code {os.WEXITSTATUS(status)} without a result"


def kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
