"""Rasa's HTTP API, its gateway channel and the action server answer only callers that hold their secret,
and neither Rasa nor the action server starts without its secrets.

Rasa's side runs Rasa's own server app (tests/rasa/channel_server.py: `configure_app` with the channels of
bot/credentials.yml and the JWT secret, a stand-in agent instead of a model); the action server is
bot/action_server.py itself. Both are real processes on 127.0.0.1. The trained model's path through all of
them is tested live in tests/e2e/test_hardening_live.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import jwt
import pytest
import requests

from gateway_channel import STATUS_SENDER
from rasa_server import rasa_arguments
from startup import MissingSecret, require_secrets
from support import ACTION_SECRET, ROOT, TOKEN, bearer

JWT_SECRET = "test-rasa-jwt-secret-0123456789abcdef"
SENDER = "inb-41"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def jwt_for(sender: str, *, role: str = "user", secret: str = JWT_SECRET, expires_in: int = 300) -> dict:
    claims = {"user": {"username": sender, "role": role}, "exp": int(time.time()) + expires_in}
    return bearer(jwt.encode(claims, secret, algorithm="HS256"))


def serve(cmd: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    process = subprocess.Popen(
        cmd, cwd=ROOT / "bot", env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            assert process.poll() is None, f"{cmd} exited with {process.returncode}"
            try:
                requests.get(url, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def channel_server(*options: str) -> Iterator[str]:
    port = free_port()
    script = str(ROOT / "tests" / "rasa" / "channel_server.py")
    env = {"RASA_JWT_SECRET": JWT_SECRET, "PYTHONPATH": str(ROOT / "bot"), "RASA_TELEMETRY_ENABLED": "false"}
    yield from serve([sys.executable, script, str(port), *options], env, port)


@pytest.fixture(scope="module")
def rasa() -> Iterator[str]:
    yield from channel_server()


@pytest.fixture(scope="module")
def unready_rasa() -> Iterator[str]:
    """Rasa's server without a model loaded (yet)."""
    yield from channel_server("--unready")


@pytest.fixture(scope="module")
def action_server() -> Iterator[str]:
    port = free_port()
    env = {"ACTION_SERVER_SECRET": ACTION_SECRET, "BOT_SERVICE_TOKEN": TOKEN, "SANIC_HOST": "127.0.0.1"}
    yield from serve([sys.executable, "action_server.py", "--actions", "actions", "-p", str(port)], env, port)


def say(rasa: str, headers: dict, sender: str = SENDER, text: str = "hallo") -> requests.Response:
    return requests.post(
        f"{rasa}/webhooks/gateway/webhook",
        json={"sender": sender, "message": text},
        headers=headers,
        timeout=10,
    )


def test_the_gateway_channel_takes_a_message_with_a_token_for_that_conversation(rasa):
    response = say(rasa, jwt_for(SENDER), text="ik ben ziek")

    assert response.status_code == 200
    assert response.json() == [{"recipient_id": SENDER, "text": "heard: ik ben ziek"}]
    assert say(rasa, jwt_for("operator", role="admin")).status_code == 200  # Rasa's admin role, as its API


@pytest.mark.parametrize(
    "headers",
    [
        {},
        jwt_for(SENDER, secret="another-secret-of-at-least-32-chars!!"),
        jwt_for("inb-42"),
        jwt_for(SENDER, expires_in=-300),  # Rasa allows three minutes of clock skew
        jwt_for(SENDER, role="guest"),
        {"Authorization": "Bearer"},
        {"Authorization": f"Basic {JWT_SECRET}"},
        bearer(JWT_SECRET),
    ],
    ids=["none", "wrong-secret", "other-conversation", "expired", "no-role", "empty", "basic", "raw-secret"],
)
def test_the_gateway_channel_refuses_a_message_without_a_valid_token(rasa, headers):
    response = say(rasa, headers)

    assert response.status_code == 401
    assert "heard" not in response.text


def test_the_status_route_says_the_model_is_loaded_and_parses(rasa):
    response = requests.get(f"{rasa}/webhooks/gateway/status", headers=jwt_for(STATUS_SENDER), timeout=10)

    assert response.status_code == 200
    assert response.json() == {"ready": True, "model_id": "echo", "intent": "heard"}


@pytest.mark.parametrize(
    "headers",
    [{}, jwt_for(SENDER), jwt_for(STATUS_SENDER, secret="another-secret-of-at-least-32-chars!!")],
    ids=["none", "a-conversations-token", "wrong-secret"],
)
def test_the_status_route_wants_a_token_for_the_readiness_check(rasa, headers):
    response = requests.get(f"{rasa}/webhooks/gateway/status", headers=headers, timeout=10)

    assert response.status_code == 401
    assert "ready" not in response.text


def test_without_a_model_rasa_is_not_ready_and_refuses_a_message_instead_of_answering_nothing(unready_rasa):
    status_url = f"{unready_rasa}/webhooks/gateway/status"
    status = requests.get(status_url, headers=jwt_for(STATUS_SENDER), timeout=10)
    turn = say(unready_rasa, jwt_for(SENDER), text="ik ben ziek")

    assert (status.status_code, status.json()["ready"]) == (503, False)
    # Rasa itself would answer 200 with no replies, and the turn would be lost; 409 keeps it for a replay.
    assert (turn.status_code, turn.json()) == (409, {"error": "no_model"})


def read(rasa: str, headers: dict, sender: str = SENDER, text: str = "ik ben ziek") -> requests.Response:
    return requests.post(
        f"{rasa}/webhooks/gateway/parse", json={"sender": sender, "text": text}, headers=headers, timeout=10
    )


def test_the_gateway_channel_reads_a_message_without_a_turn_for_that_conversations_token(rasa):
    response = read(rasa, jwt_for(SENDER))

    assert response.status_code == 200
    assert response.json()["intent"] == {"name": "heard", "confidence": 1.0}
    assert read(rasa, jwt_for("inb-42")).status_code == 401  # another conversation's token
    assert read(rasa, {}).status_code == 401
    assert read(rasa, jwt_for(SENDER), text="  ").status_code == 400


def test_rasas_own_rest_channel_is_not_served(rasa):
    response = requests.post(f"{rasa}/webhooks/rest/webhook", json={"sender": SENDER, "message": "hallo"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/conversations/{SENDER}/tracker"),
        ("POST", f"/conversations/{SENDER}/tracker/events"),
        ("PUT", f"/conversations/{SENDER}/tracker/events"),
        ("POST", f"/conversations/{SENDER}/messages"),
        ("GET", "/status"),
        ("POST", "/model/parse"),
    ],
)
def test_rasas_http_api_refuses_calls_without_a_token(rasa, method, path):
    assert requests.request(method, f"{rasa}{path}", json={}, timeout=10).status_code == 401


def test_a_conversations_token_does_not_open_another_conversations_tracker(rasa):
    other = requests.get(f"{rasa}/conversations/inb-42/tracker", headers=jwt_for(SENDER), timeout=10)
    assert other.status_code == 403


def test_the_action_server_answers_only_with_its_secret(action_server):
    assert requests.get(f"{action_server}/health").status_code == 200
    assert requests.get(f"{action_server}/actions").status_code == 401
    assert requests.get(f"{action_server}/actions", headers=bearer("not-the-secret")).status_code == 401
    assert requests.post(f"{action_server}/webhook", json={"next_action": "action_greet"}).status_code == 401
    listed = requests.get(f"{action_server}/actions", headers=bearer(ACTION_SECRET))
    assert listed.status_code == 200 and {"name": "action_session_start"} in listed.json()


def test_a_failing_action_call_is_not_echoed_back_to_rasa(action_server):
    call = {"next_action": "action_session_start", "tracker": {"latest_message": {"text": "mijn BSN is 123"}}}
    response = requests.post(f"{action_server}/webhook", json=call, headers=bearer(ACTION_SECRET))

    assert response.status_code == 500
    assert "BSN" not in response.text and "request_body" not in response.text


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"BOT_SERVICE_TOKEN": TOKEN}, "ACTION_SERVER_SECRET is not set"),
        ({"BOT_SERVICE_TOKEN": TOKEN, "ACTION_SERVER_SECRET": "short"}, "at least 32 characters"),
        ({"BOT_SERVICE_TOKEN": ACTION_SECRET, "ACTION_SERVER_SECRET": ACTION_SECRET}, "must be different"),
    ],
    ids=["missing", "short", "shared"],
)
def test_the_action_server_does_not_start_without_a_proper_secret(env, complaint):
    clean = {k: v for k, v in os.environ.items() if k not in ("ACTION_SERVER_SECRET", "BOT_SERVICE_TOKEN")}
    result = subprocess.run(
        [sys.executable, "action_server.py", "-p", str(free_port())],
        cwd=ROOT / "bot", env={**clean, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 1
    assert complaint in result.stderr
    assert "short" not in result.stderr.replace("shorter", "")  # the value itself is never printed


def test_rasa_does_not_start_without_its_three_secrets():
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_SECRET", "_TOKEN"))}
    result = subprocess.run(
        [sys.executable, "rasa_server.py", "run", "--enable-api"],
        cwd=ROOT / "bot", env=clean, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode == 1
    for name in ("RASA_JWT_SECRET", "ACTION_SERVER_SECRET", "BOT_SERVICE_TOKEN"):
        assert f"{name} is not set" in result.stderr


def test_rasa_runs_with_its_api_on_and_a_jwt_from_the_environment_only():
    argv = rasa_arguments(["run", "--enable-api", "-p", "5005"], JWT_SECRET)
    assert argv[-4:] == ["--jwt-secret", JWT_SECRET, "--jwt-method", "HS256"]
    with pytest.raises(MissingSecret, match="--enable-api"):
        rasa_arguments(["run", "-p", "5005"], JWT_SECRET)
    with pytest.raises(MissingSecret, match="RASA_JWT_SECRET only"):
        rasa_arguments(["run", "--enable-api", "--auth-token", "x"], JWT_SECRET)


def test_secrets_are_named_never_shown_when_refused():
    with pytest.raises(MissingSecret) as refused:
        require_secrets(
            "RASA_JWT_SECRET", "BOT_SERVICE_TOKEN", env={"RASA_JWT_SECRET": "tiny", "BOT_SERVICE_TOKEN": "x"}
        )
    assert "RASA_JWT_SECRET must be at least 32 characters" in str(refused.value)
    assert "tiny" not in str(refused.value)
