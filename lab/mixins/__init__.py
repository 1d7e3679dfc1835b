"""Output helper for the command-line entry points (they report figures on stdout)."""

import sys


def say(*parts: object) -> None:
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")
    sys.stdout.flush()
