"""`make run`: start the API, Rasa, the action server and the outbox/reminder worker; Ctrl-C stops all.

Every address comes from the settings (PORT, HOST, RASA_URL, ACTION_SERVER_URL, CASE_API_URL), so two
assistants run side by side on one machine. Each process logs to var/log/<name>.log (`--logs` elsewhere);
the banner is printed only when GET /health/ready says every part answers, and this supervisor stops
everything when one of them dies, so a half-running assistant never pretends to work.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from api.demo import DEMO_PASSWORD, STAFF
from api.localstack import (
    BotSecrets,
    actions_command,
    api_command,
    model_path,
    port_of,
    rasa_command,
)
from api.settings import ROOT, Settings, get_settings

LOGS = ROOT / "var" / "log"
REPORT_EVERY_SECONDS = 30.0


def processes(settings: Settings) -> dict[str, tuple[list[str], Path, dict[str, str]]]:
    """Each process's command, folder and the part of the environment that is its own."""
    api, actions = settings.api_url, settings.action_server_url.rstrip("/")
    bot = BotSecrets.for_run(settings)
    procs = {
        "api": (api_command(settings.port, host=settings.host), ROOT, bot.api_env()),
        "rasa": (
            rasa_command(model_path(), "endpoints.yml", port_of(settings.rasa_url)),
            ROOT / "bot",
            bot.rasa_env(actions_url=actions, api_url=api),
        ),
        "actions": (actions_command(port_of(actions)), ROOT / "bot", bot.actions_env(api_url=api)),
    }
    if importlib.util.find_spec("api.worker") is not None:
        procs["worker"] = ([sys.executable, "-m", "api.worker"], ROOT, bot.api_env())
    return procs


def readiness(url: str) -> dict[str, object] | None:
    """GET /health/ready's answer (200 or 503 alike), or None while the API does not answer at all."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own API
            return json.load(response)
    except urllib.error.HTTPError as refused:
        try:
            return json.load(refused)
        except ValueError:
            return None
    except (OSError, ValueError):
        return None


def failing(report: dict[str, object] | None) -> list[str]:
    """The names of the checks that are not ok (["api"] while the API does not answer)."""
    if report is None:
        return ["api"]
    checks = report.get("checks")
    return [name for name, check in (checks or {}).items() if (check or {}).get("status") != "ok"]


def main(argv: list[str] | None = None) -> int:
    """Start API, worker, Rasa and the action server and wait; one straight sequence, kept in one place."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logs", type=Path, default=LOGS, help="folder for the processes' logs")
    args = parser.parse_args(argv)
    settings = get_settings()
    logs: Path = args.logs
    logs.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    running: dict[str, subprocess.Popen[bytes]] = {}
    for name, (cmd, cwd, own) in processes(settings).items():
        log = (logs / f"{name}.log").open("ab")
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
    base = settings.api_url
    print(
        "starting: api, rasa (loading the model takes ~30 s), actions"
        + (", worker" if "worker" in running else "")
    )
    if not wait_until_ready(f"{base}/health/ready", running, logs, stop):
        return 1
    print(
        f"""
  Inburgering assistant is ready (every check of {base}/health/ready is ok)

  Phone simulator   {base}/simulator        chat as a demo inburgeraar (start here)
  Staff inbox       {base}/ui/login          klantmanagers and coordinators
  API docs          {base}/docs              OpenAPI; admin (accounts only) {settings.case_api_admin_token}
  Health            {base}/health/live  {base}/health/ready
  Rasa              {settings.rasa_url}     actions {settings.action_server_url}
  Logs              {logs}/

  Demo logins (password '{DEMO_PASSWORD}'):"""
    )
    for email, _name, role, _, token in STAFF:
        print(f"    {role:13} {email:32} API token {token}")
    transport = "Twilio" if settings.twilio_configured else "the local transport (simulator)"
    print(f"\n  Outgoing messages use {transport}.")
    print("  Ctrl-C stops everything.\n")
    try:
        while not died(running, logs, stop):
            time.sleep(1)
        return 1
    except KeyboardInterrupt:
        print("\nstopping ...")
        stop()
        return 0


def died(running: dict[str, subprocess.Popen[bytes]], logs: Path, stop: Callable[[], None]) -> bool:
    """True (after stopping the rest) when one of the processes has stopped."""
    for name, proc in running.items():
        if proc.poll() is not None:
            print(f"{name} stopped (exit {proc.returncode}); see {logs / f'{name}.log'}. Stopping all.")
            stop()
            return True
    return False


def wait_until_ready(
    url: str, running: dict[str, subprocess.Popen[bytes]], logs: Path, stop: Callable[[], None]
) -> bool:
    """Poll /health/ready until every check is ok, saying now and then what is still missing.

    False when a process died meanwhile (everything is stopped then). Ctrl-C stops everything too.
    """
    reported = time.monotonic()
    try:
        while not died(running, logs, stop):
            missing = failing(readiness(url))
            if not missing:
                return True
            if time.monotonic() - reported >= REPORT_EVERY_SECONDS:
                print(f"  still waiting for: {', '.join(missing)} (see {logs}/)")
                reported = time.monotonic()
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nstopping ...")
        stop()
    return False


if __name__ == "__main__":
    raise SystemExit(main())
