"""Check an image's configuration as `podman image inspect` prints it (read from standard input).

    podman image inspect IMAGE | python deploy/check_config.py "PORT/tcp ..." HEALTH_PROBE_ARGUMENT

Passes when the image runs as uid/gid 10001 through deploy/entrypoint.py, has an exec-form health check
that runs deploy/probe.py with the given argument, exposes exactly the given ports and has no variable in
its environment that looks like a secret. Prints each problem; exit status 1 when there is one.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

USER = "10001:10001"
ENTRYPOINT = ["python", "/app/deploy/entrypoint.py"]
SECRET = re.compile(r"TOKEN|SECRET|PASSWORD|_URL=[^=]*://[^/]*@")


def problems(image: dict[str, Any], ports: set[str], probe: str) -> list[str]:
    config = image["Config"]
    health = image.get("Healthcheck") or {}
    user, entrypoint, test = config.get("User"), config.get("Entrypoint"), health.get("Test")
    exposed = set(config.get("ExposedPorts") or {})
    found = []
    if user != USER:
        found.append(f"user is {user!r}, not {USER}")
    if entrypoint != ENTRYPOINT:
        found.append(f"entry point is {entrypoint!r}")
    if test != ["CMD", "python", "/app/deploy/probe.py", probe]:
        found.append(f"health check is {test!r}, wants probe.py {probe}")
    if exposed != ports:
        found.append(f"exposed ports {sorted(exposed)}, wants {sorted(ports)}")
    for entry in config.get("Env") or []:
        if SECRET.search(entry):
            found.append("secret-like variable in the image: " + entry.split("=", 1)[0])
    return found


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    found = problems(json.load(sys.stdin)[0], set(sys.argv[1].split()), sys.argv[2])
    print("\n".join(found))
    sys.exit(1 if found else 0)
