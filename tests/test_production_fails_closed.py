"""Production fails closed: the API and the worker refuse to start on settings a municipality must not run
with (an http public URL, short or shared secrets), and say which setting without printing any value."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from api.settings import REQUIRED_SECRETS, ROOT, Settings

GOOD = {
    "environment": "production",
    "simulator_enabled": False,
    "municipality_phone": "14 0513",
    "public_base_url": "https://assistent.gemeente.example",
    "case_api_admin_token": "admin-token-4f1c9a7e2b8d6f3a5c0e9b1d",
    "bot_service_token": "bot-token-8e2d4c6a0f9b7d5e3c1a2b4d6f",
    "session_secret": "session-secret-1a3c5e7f9b2d4f6a8c0e2a4c",
    "rasa_jwt_secret": "rasa-jwt-secret-7b9d1f3a5c7e9b1d3f5a7c9e",
    "action_server_secret": "action-secret-2c4e6a8c0e2b4d6f8a0c2e4a",
    "twilio_auth_token": "0123456789abcdef0123456789abcdef",
}


def refusal(**changes: object) -> str:
    with pytest.raises(ValidationError) as refused:
        Settings(**{**GOOD, **changes})
    return str(refused.value)


def test_production_starts_with_an_https_url_and_long_separate_secrets():
    settings = Settings(**GOOD)
    assert settings.environment == "production"
    assert set(settings.secret_values) == {GOOD[k] for k in GOOD if "token" in k or "secret" in k}


@pytest.mark.parametrize(
    "url",
    ["http://assistent.gemeente.example", "assistent.gemeente.example", "https://", "ftp://x.example"],
    ids=["http", "no-scheme", "no-host", "ftp"],
)
def test_production_refuses_a_public_url_that_is_not_https(url):
    assert "PUBLIC_BASE_URL must be an https URL" in refusal(public_base_url=url)


@pytest.mark.parametrize(
    "name",
    ["case_api_admin_token", "bot_service_token", "session_secret", "rasa_jwt_secret", "action_server_secret",
     "twilio_auth_token", "metrics_token"],
)  # fmt: skip
def test_production_refuses_a_secret_shorter_than_32_characters(name):
    message = refusal(**{name: "x" * 31})
    assert f"{name.upper()} must be at least 32 characters" in message
    assert "x" * 31 not in message


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("case_api_admin_token", "bot_service_token"),
        ("bot_service_token", "rasa_jwt_secret"),
        ("session_secret", "case_api_admin_token"),
        ("rasa_jwt_secret", "action_server_secret"),
        ("twilio_auth_token", "session_secret"),
        ("case_api_admin_token", "metrics_token"),
    ],
)
def test_production_refuses_one_secret_for_two_roles(first, second):
    message = refusal(**{second: GOOD[first]})
    assert {first.upper(), second.upper()} <= set(message.replace(",", " ").split())
    assert GOOD[first] not in message


@pytest.mark.parametrize("name", REQUIRED_SECRETS)
def test_production_refuses_to_run_without_a_secret_the_api_needs(name):
    assert f"{name.upper()} must be set to a real secret" in refusal(**{name: ""})


def test_secrets_the_api_does_not_hold_may_stay_empty_in_production():
    settings = Settings(**{**GOOD, "action_server_secret": "", "twilio_auth_token": ""})
    assert settings.action_server_secret == ""


def test_every_problem_is_named_at_once():
    message = refusal(public_base_url="http://x.example", session_secret="short")
    assert "PUBLIC_BASE_URL" in message and "SESSION_SECRET" in message


def test_development_keeps_its_placeholders():
    assert Settings(environment="development").case_api_admin_token == "dev-admin-token"


def _start(module: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k.upper() not in {n.upper() for n in GOOD}}
    clean |= {k.upper(): str(v) for k, v in GOOD.items()} | env
    return subprocess.run(
        [sys.executable, *module], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_the_worker_refuses_to_start_on_production_settings_that_fail(tmp_path):
    database = f"sqlite:///{tmp_path / 'case.sqlite3'}"
    shared = GOOD["session_secret"]
    result = _start(["-m", "api.worker", "--once"], DATABASE_URL=database, BOT_SERVICE_TOKEN=shared)

    assert result.returncode == 2
    assert "worker refuses to start" in result.stderr
    assert "BOT_SERVICE_TOKEN and SESSION_SECRET must be different secrets" in result.stderr
    assert shared not in result.stderr + result.stdout


def test_the_api_refuses_to_start_on_production_settings_that_fail():
    app = "from api.main import create_app; create_app()"
    result = _start(["-c", app], PUBLIC_BASE_URL="http://assistent.gemeente.example")

    assert result.returncode != 0
    assert "PUBLIC_BASE_URL must be an https URL" in result.stderr
    assert not [value for value in GOOD.values() if len(str(value)) >= 32 and str(value) in result.stderr]
