"""Running the bot's processes beside the API on loopback: the trained model's path and free ports.

Shared by `make run` (api.devserver), the live end-to-end tests and the benchmarks, so that all of them
start the same model the same way.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from api.settings import ROOT

BOT_BIN = ROOT / ".venv" / "bot" / "bin"


def model_path() -> Path:
    """Where `make model` (bot/train.py) puts the model for the current bot data; it may not exist yet."""
    out = subprocess.run(
        [str(BOT_BIN / "python"), str(ROOT / "bot" / "train.py"), "--print-path"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(out.stdout.strip())


def trained_model() -> Path | None:
    """The model trained for the current bot data, or None without the bot environment or the model."""
    if not (BOT_BIN / "rasa").exists():
        return None
    try:
        path = model_path()
    except subprocess.CalledProcessError:
        return None
    return path if path.exists() else None


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Every Rasa and action-server process: bound to loopback (rasa-sdk has no --interface flag; Sanic reads
# the address from SANIC_HOST) and with Rasa's telemetry off, which would report errors to Rasa's servers.
BOT_PROCESS_ENV = {"SANIC_HOST": "127.0.0.1", "RASA_TELEMETRY_ENABLED": "false"}


def api_command(port: int, *options: str) -> list[str]:
    """The case API as production starts it (docs/production.md), on loopback; `options` go to uvicorn."""
    return [
        sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), *options,
    ]  # fmt: skip


def rasa_command(
    model: Path | str, endpoints: Path | str, port: int, *, credentials: str | None = None
) -> list[str]:
    """Rasa's server with the REST channel and HTTP API, on loopback only (run it from bot/)."""
    rasa = str(BOT_BIN / "rasa")
    extra = ["--credentials", credentials] if credentials else []
    return [rasa, "run", "--enable-api", "--model", str(model), "--endpoints", str(endpoints), *extra] + [
        "-i", "127.0.0.1", "-p", str(port),
    ]  # fmt: skip


def actions_command(port: int) -> list[str]:
    """The action server (run it from bot/ with SANIC_HOST=127.0.0.1: rasa-sdk has no --interface flag)."""
    return [str(BOT_BIN / "rasa"), "run", "actions", "--actions", "actions", "-p", str(port)]
