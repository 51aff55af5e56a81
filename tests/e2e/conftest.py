"""The whole assistant, live: the API (uvicorn), Rasa with the trained model and the action server, each a
real process on a free 127.0.0.1 port, against a throw-away SQLite database.

The model comes from `make model` (bot/train.py); without it, or without the bot environment, these tests
skip and say how to get them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.localstack import actions_command, free_port, rasa_command, trained_model
from api.migrate import upgrade
from api.settings import ROOT

BOT_TOKEN = "e2e-bot-token"
ADMIN_TOKEN = "e2e-admin-token"


def _wait(url: str, seconds: float, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} died (exit {proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up in {seconds:.0f}s:\n{log.read_text()[-3000:]}")


@dataclass
class Stack:
    api: str
    rasa: str
    db_url: str

    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    model = trained_model()
    if model is None:
        pytest.skip("no trained Rasa model for the current bot data: run `make model` (make test does)")
    tmp = tmp_path_factory.mktemp("e2e")
    db_url = f"sqlite:///{tmp / 'case.sqlite3'}"
    upgrade(db_url)
    api_port, rasa_port, actions_port = free_port(), free_port(), free_port()
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
        f'nlg:\n  url: "http://127.0.0.1:{api_port}/nlg"\n'
    )
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "PORT": str(api_port),
        "CASE_API_ADMIN_TOKEN": ADMIN_TOKEN,
        "BOT_SERVICE_TOKEN": BOT_TOKEN,
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "CASE_API_URL": f"http://127.0.0.1:{api_port}",
        "ENVIRONMENT": "test",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "SANIC_HOST": "127.0.0.1",
    }
    commands = {
        "api": (
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.main:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(api_port),
            ],
            ROOT,
        ),
        "actions": (
            actions_command(actions_port),
            ROOT / "bot",
        ),
        "rasa": (
            rasa_command(model, str(endpoints), rasa_port),
            ROOT / "bot",
        ),
    }
    procs: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
    try:
        for name, (cmd, cwd) in commands.items():
            log = tmp / f"{name}.log"
            procs[name] = (
                subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT),
                log,
            )
        _wait(f"http://127.0.0.1:{api_port}/health", 60, *procs["api"])
        _wait(f"http://127.0.0.1:{actions_port}/health", 90, *procs["actions"])
        _wait(f"http://127.0.0.1:{rasa_port}/status", 240, *procs["rasa"])
        yield Stack(api=f"http://127.0.0.1:{api_port}", rasa=f"http://127.0.0.1:{rasa_port}", db_url=db_url)
    finally:
        for proc, _ in procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc, _ in procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
