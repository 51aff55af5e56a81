"""Health probes the images' HEALTHCHECK and compose.yaml run inside a container (standard library only,
but for `worker`, which runs in the API image).

    probe.py http://127.0.0.1:8000/health/live    exit 0 when the URL answers 2xx within 5 seconds
    probe.py worker                               exit 0 when the worker of this container has written
                                                  its heartbeat within WORKER_HEARTBEAT_MAX_AGE_SECONDS

A probe runs beside the main process, not under the entry point, so it reads the secret files itself.
"""

from __future__ import annotations

import os
import socket
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


def worker_ok() -> bool:
    """This container's worker is alive: its heartbeat row (api.monitoring.heartbeat, named after this
    host) is fresh. GET /health/ready asks whether any worker is; this asks about this one."""
    from datetime import timedelta

    from sqlalchemy import func, select

    from api.db import make_engine, utcnow
    from api.monitoring.models import WorkerHeartbeat
    from api.settings import get_settings

    try:
        settings = get_settings()
        engine = make_engine(settings.database_url)
        ours = WorkerHeartbeat.worker.like(f"{socket.gethostname()}:%")
        with engine.connect() as connection:
            newest = connection.scalar(select(func.max(WorkerHeartbeat.beat_at)).where(ours))
        engine.dispose()
    except Exception:  # any failure (settings refused, database away) is "not healthy"; the log says why
        return False
    max_age = timedelta(seconds=settings.worker_heartbeat_max_age_seconds)
    return newest is not None and utcnow() - newest < max_age


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    secrets_from_files(os.environ)
    healthy = worker_ok() if argv[0] == "worker" else http_ok(argv[0])
    return 0 if healthy else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
