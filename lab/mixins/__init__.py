"""The mixin laboratory: sweeps that measure compositions, the evaluation harness, baseline
publishing, a standalone /mixins app. Offline tools: they import `app`, never the reverse.

`say` is the output helper of the command-line entry points (they report figures on stdout)."""

import sys


def say(*parts: object) -> None:
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")
    sys.stdout.flush()
