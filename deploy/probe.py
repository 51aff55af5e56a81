"""Health probes the images' HEALTHCHECK and compose.yaml run inside a container (standard library only).

    probe.py http://127.0.0.1:8000/health/live    exit 0 when the URL answers 2xx within 5 seconds
    probe.py database                             exit 0 when the case database answers (the worker)

A probe runs beside the main process, not under the entry point, so it reads the secret files itself.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

from entrypoint import secrets_from_files

TIMEOUT_SECONDS = 5.0


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 - own loopback URL
            return 200 <= answer.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def database_ok() -> bool:
    """The worker's probe: its settings load (production refuses bad ones) and its database answers."""
    from sqlalchemy import text

    from api.db import make_engine
    from api.settings import get_settings

    try:
        engine = make_engine(get_settings().database_url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # any failure (settings refused, database away) is "not healthy"; the log says why
        return False


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    secrets_from_files(os.environ)
    healthy = database_ok() if argv[0] == "database" else http_ok(argv[0])
    return 0 if healthy else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
