"""Warm parent for oracle batches when no sandbox pool is available.

`python -m app.mixins.oracle_worker IN.json OUT.json`: imports omnibase-core once, then
`run_batch` forks one child per composition. stdout/stderr are left to the framework's logging.
"""

import json
import sys

from app.mixins.oracle import run_batch


def main(argv: list[str]) -> None:
    with open(argv[1]) as fh:
        payload = json.load(fh)
    results = run_batch(payload)
    with open(argv[2], "w") as fh:
        json.dump(results, fh)


if __name__ == "__main__":
    main(sys.argv)
