"""The images' entry point: secrets from files into the environment, then the command.

Compose (and podman/docker `--secret`) mounts each secret as a file under /run/secrets. Every file there
becomes the environment variable of the same name in capitals (`bot_service_token` -> BOT_SERVICE_TOKEN)
unless that variable is already set, so the processes read their secrets from the environment as
docs/production.md describes while none is written into compose.yaml, an env file or the image.
Runs on the API image's Python (3.11) and the bot image's (3.10); standard library only.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import MutableMapping
from pathlib import Path

SECRETS = Path("/run/secrets")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def secrets_from_files(env: MutableMapping[str, str], folder: Path = SECRETS) -> list[str]:
    """Put each secret file's content (without its trailing newline) into env; return the names set."""
    added = []
    if not folder.is_dir():
        return added
    for path in sorted(folder.iterdir()):
        if not path.is_file() or not NAME.match(path.name):
            continue
        name = path.name.upper()
        if name not in env:
            env[name] = path.read_text().rstrip("\r\n")
            added.append(name)
    return added


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit("entrypoint: no command given")
    secrets_from_files(os.environ)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
