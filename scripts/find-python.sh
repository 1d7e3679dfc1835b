#!/usr/bin/env bash
# Prints the path of a Python 3.12 interpreter, or explains how to get one and fails.
set -euo pipefail
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for dir in "$root"/versions/3.12*; do
    [ -x "$dir/bin/python3.12" ] && candidates+=("$dir/bin/python3.12")
  done
fi
candidates+=("python3.12")
candidates+=("$HOME/.pyenv/versions/3.12.1/bin/python3.12" "/usr/local/bin/python3.12" "/usr/bin/python3.12")
for candidate in "${candidates[@]}"; do
  path=$(PYENV_VERSION=3.12.1 command -v "$candidate" 2>/dev/null || true)
  [ -n "$path" ] || continue
  if PYENV_VERSION=3.12.1 "$path" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
    echo "$path"
    exit 0
  fi
done
echo "error: Python 3.12 not found (omnibase-core needs 3.12). Install it (e.g. 'pyenv install 3.12.1')" \
     "or set PYTHON=/path/to/python3.12." >&2
exit 1
