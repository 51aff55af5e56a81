"""`make run`: start the API, Rasa, the action server and the outbox/reminder worker; Ctrl-C stops all.

Each process logs to var/log/<name>.log; this supervisor prints where to look and stops everything when
one of them dies, so a half-running assistant never pretends to work.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from api.demo import DEMO_PASSWORD, STAFF
from api.localstack import BotSecrets, actions_command, api_command, model_path, rasa_command
from api.settings import ROOT, get_settings

LOGS = ROOT / "var" / "log"


def processes() -> dict[str, tuple[list[str], Path, dict[str, str]]]:
    """Each process's command, folder and the part of the environment that is its own."""
    settings = get_settings()
    api = f"http://127.0.0.1:{settings.port}"
    bot = BotSecrets.for_run(settings)
    procs = {
        "api": (api_command(settings.port), ROOT, bot.api_env()),
        "rasa": (
            rasa_command(model_path(), "endpoints.yml", 5005),
            ROOT / "bot",
            bot.rasa_env(actions_url="http://127.0.0.1:5055", api_url=api),
        ),
        "actions": (actions_command(5055), ROOT / "bot", bot.actions_env(api_url=api)),
    }
    if importlib.util.find_spec("api.worker") is not None:
        procs["worker"] = ([sys.executable, "-m", "api.worker"], ROOT, bot.api_env())
    return procs


def _wait_for(url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
                if response.status < 500:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def main() -> int:
    """Start API, worker, Rasa and the action server and wait; one straight sequence, kept in one place."""
    settings = get_settings()
    LOGS.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    running: dict[str, subprocess.Popen[bytes]] = {}
    for name, (cmd, cwd, own) in processes().items():
        log = (LOGS / f"{name}.log").open("ab")
        running[name] = subprocess.Popen(cmd, cwd=cwd, env=env | own, stdout=log, stderr=subprocess.STDOUT)

    def stop(*_: object) -> None:
        for proc in running.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in running.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
    base = f"http://127.0.0.1:{settings.port}"
    print(
        "starting: api, rasa (loading the model takes ~30 s), actions"
        + (", worker" if "worker" in running else "")
    )
    api_up = _wait_for(f"{base}/health", 60)
    rasa_up = _wait_for("http://127.0.0.1:5005/version", 180)  # /status wants a token
    print(
        f"""
  Inburgering assistant is {"up" if api_up and rasa_up else "partly up (see var/log/)"}

  Phone simulator   {base}/simulator        chat as a demo inburgeraar (start here)
  Staff inbox       {base}/ui/login          klantmanagers and coordinators
  API docs          {base}/docs              OpenAPI; admin (accounts only) {settings.case_api_admin_token}
  Health            {base}/health
  Rasa              http://127.0.0.1:5005     actions http://127.0.0.1:5055
  Logs              {LOGS}/

  Demo logins (password '{DEMO_PASSWORD}'):"""
    )
    for email, _name, role, _, token in STAFF:
        print(f"    {role:13} {email:32} API token {token}")
    transport = "Twilio" if settings.twilio_configured else "the local transport (simulator)"
    print(f"\n  Outgoing messages use {transport}.")
    print("  Ctrl-C stops everything.\n")
    try:
        while True:
            for name, proc in running.items():
                if proc.poll() is not None:
                    log = LOGS / f"{name}.log"
                    print(f"{name} stopped (exit {proc.returncode}); see {log}. Stopping all.")
                    stop()
                    return 1
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nstopping ...")
        stop()
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
