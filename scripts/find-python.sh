#!/usr/bin/env bash
# Print the path of a Python interpreter of the given minor version (3.10 or 3.11), or explain in one line.
# Honours PYTHON310 / PYTHON311, then pyenv's versions, then pythonX.Y on PATH.
set -euo pipefail
want="$1"
var="PYTHON${want/./}"
if [ -n "${!var:-}" ]; then echo "${!var}"; exit 0; fi
if command -v pyenv >/dev/null 2>&1; then
  root="$(pyenv root)"
  for candidate in $(ls -d "$root/versions/$want".* 2>/dev/null | sort -V -r); do
    if [ -x "$candidate/bin/python" ]; then echo "$candidate/bin/python"; exit 0; fi
  done
fi
if command -v "python$want" >/dev/null 2>&1 && "python$want" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '$want'.split('.')))" 2>/dev/null; then
  command -v "python$want"; exit 0
fi
echo "Python $want not found: install it (pyenv install $want) or set $var to its path." >&2
exit 1
