"""Hand this machine's pip configuration to an image build, without writing it into the repository.

    python3 deploy/pip_build_config.py OUT_DIR     # prints podman's --volume options, one per line

Reads the effective configuration (`pip config list`: the files and the PIP_* variables), writes it to
OUT_DIR/pip.conf with the CA bundle copied to OUT_DIR/ca.crt and the constraint files to OUT_DIR, and
prints the volumes a build needs: OUT_DIR as /run/pip, and every local folder the configuration names (a
find-links folder, a file:// index) at its own path, read-only. A Containerfile's `RUN` reads it with
`PIP_CONFIG_FILE=/run/pip/pip.conf` and `PIP_CERT=/run/pip/ca.crt`; the index host names stay on this
machine (the options are not build arguments, so they are not in the image's history either).
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

MOUNT = "/run/pip"
LINE = re.compile(r"^(?P<scope>[^.]*)\.(?P<key>[^=]+)=(?P<value>.*)$")
PATH_LISTS = ("find-links", "extra-index-url", "index-url")


def effective_config() -> dict[str, str]:
    """pip's settings in force, later sources (environment variables) overriding earlier ones (files)."""
    pip = os.environ.get("PIP", "pip")
    listing = subprocess.run([pip, "config", "list"], capture_output=True, text=True, check=True).stdout
    settings: dict[str, str] = {}
    for line in listing.splitlines():
        match = LINE.match(line.strip())
        if match and match["scope"] in {"global", "install", ":env:"}:
            settings[match["key"]] = match["value"].strip().strip("'\"")
    return settings


def local_folder(entry: str) -> Path | None:
    """The folder an index or find-links entry names on this machine, or None for a remote one."""
    parsed = urlparse(entry)
    if parsed.scheme == "file":
        path = Path(parsed.path)
    elif not parsed.scheme and entry.startswith("/"):
        path = Path(entry)
    else:
        return None
    return path if path.exists() else None


def write(out: Path) -> list[str]:
    """Write OUT/pip.conf (and the files it names) and return the volume options a build needs."""
    out.mkdir(parents=True, exist_ok=True)
    settings = effective_config()
    volumes = {str(out): MOUNT}
    conf: dict[str, str] = {}
    for key, value in settings.items():
        if key == "cert":
            shutil.copyfile(value, out / "ca.crt")
            conf[key] = f"{MOUNT}/ca.crt"
        elif key == "constraint":
            names = []
            for number, source in enumerate(value.split()):
                shutil.copyfile(source, out / f"constraints-{number}.txt")
                names.append(f"{MOUNT}/constraints-{number}.txt")
            conf[key] = " ".join(names)
        else:
            if key in PATH_LISTS:
                for entry in value.split():
                    folder = local_folder(entry)
                    if folder is not None:
                        # A file:// index's pages link to its files beside it (../../files/...).
                        shared = folder.parent if folder.name == "simple" else folder
                        volumes[str(shared)] = str(shared)
            conf[key] = value
    parser = configparser.ConfigParser()
    parser["global"] = conf
    with (out / "pip.conf").open("w") as handle:
        parser.write(handle)
    return [f"--volume={source}:{target}:ro" for source, target in volumes.items()]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    print("\n".join(write(Path(sys.argv[1]))))
