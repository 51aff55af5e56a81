"""`make bench`: run every benchmark module's main() and let each write its section of docs/benchmarks.md."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
import time

import bench

SKIP = {"report", "run"}


def main() -> int:
    failed = []
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        if info.name in SKIP or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        if not hasattr(module, "main"):
            continue
        started = time.monotonic()
        print(f"bench: {info.name} ...", flush=True)
        try:
            module.main([]) if inspect.signature(module.main).parameters else module.main()
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            failed.append(info.name)
            print(f"bench: {info.name} failed: {exc!r}", file=sys.stderr)
        print(f"bench: {info.name} done in {time.monotonic() - started:.0f}s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
