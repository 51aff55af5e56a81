"""Running the bot's processes beside the API on loopback: the trained model's path and free ports.

Shared by `make run` (api.devserver), the live end-to-end tests and the benchmarks, so that all of them
start the same model the same way.
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from api.settings import ROOT, Settings

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


def port_of(url: str) -> int:
    """The port a base URL names (80/443 when it names none), for starting a process that serves it."""
    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme == "https" else 80)


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Every Rasa and action-server process: bound to loopback (Sanic reads the address from SANIC_HOST) and with
# Rasa's telemetry off, which would report errors to Rasa's servers.
BOT_PROCESS_ENV = {"SANIC_HOST": "127.0.0.1", "RASA_TELEMETRY_ENABLED": "false"}


@dataclass(frozen=True)
class BotSecrets:
    """The three secrets between the API, Rasa and the action server (docs/production.md, "Secrets").

    bot_token: the actions' and Rasa's NLG calls to the API. rasa_jwt: signs the API's calls to Rasa.
    action_server: Rasa's calls to the action server.
    """

    bot_token: str
    rasa_jwt: str
    action_server: str

    @classmethod
    def for_run(cls, settings: Settings) -> BotSecrets:
        """The configured secrets; the two only the local processes share are made anew when empty."""
        return cls(
            bot_token=settings.bot_service_token,
            rasa_jwt=settings.rasa_jwt_secret or secrets.token_urlsafe(32),
            action_server=settings.action_server_secret or secrets.token_urlsafe(32),
        )

    def api_env(self) -> dict[str, str]:
        """For the API and the worker: they check the bot's token and sign their calls to Rasa."""
        return {"BOT_SERVICE_TOKEN": self.bot_token, "RASA_JWT_SECRET": self.rasa_jwt}

    def rasa_env(self, *, actions_url: str, api_url: str) -> dict[str, str]:
        """For Rasa: its own JWT secret, and what endpoints.yml sends to the action server and to /nlg."""
        return {
            **BOT_PROCESS_ENV,
            "RASA_JWT_SECRET": self.rasa_jwt,
            "ACTION_SERVER_SECRET": self.action_server,
            "BOT_SERVICE_TOKEN": self.bot_token,
            "RASA_ACTION_ENDPOINT_URL": f"{actions_url}/webhook",
            "RASA_NLG_URL": f"{api_url}/nlg",
        }

    def actions_env(self, *, api_url: str) -> dict[str, str]:
        """For the action server: the secret it demands of Rasa, and the bot's token for the API."""
        return {
            **BOT_PROCESS_ENV,
            "ACTION_SERVER_SECRET": self.action_server,
            "BOT_SERVICE_TOKEN": self.bot_token,
            "CASE_API_URL": api_url,
        }


def api_command(port: int, *options: str, host: str = "127.0.0.1") -> list[str]:
    """The case API as production starts it (docs/production.md), on loopback unless `host` says
    otherwise; `options` go to uvicorn."""
    return [
        sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory",
        "--host", host, "--port", str(port), *options,
    ]  # fmt: skip


def rasa_command(model: Path | str, endpoints: Path | str, port: int) -> list[str]:
    """Rasa with the gateway channel and its JWT-authenticated HTTP API (bot/rasa_server.py), on loopback.

    Run it from bot/ with `BotSecrets.rasa_env`.
    """
    return [str(BOT_BIN / "python"), "rasa_server.py", "run", "--enable-api", "--model", str(model)] + [
        "--endpoints", str(endpoints), "--credentials", "credentials.yml", "-i", "127.0.0.1", "-p", str(port),
    ]  # fmt: skip


def actions_command(port: int) -> list[str]:
    """The action server behind its secret (bot/action_server.py); run it from bot/ with `actions_env`."""
    return [str(BOT_BIN / "python"), "action_server.py", "--actions", "actions", "-p", str(port)]
