# ruff: noqa: F811 - the fixtures imported from tests.messaging_support are used by name
"""The API's side of the secrets between it, Rasa and the action server: the gateway's calls to Rasa carry
a short-lived JWT for that one conversation, and /nlg answers only the bot's service token.

Rasa's and the action server's side: tests/rasa/test_bot_auth.py; all of it live: tests/e2e.
"""

from __future__ import annotations

import time

import jwt
import pytest

from api.localstack import BotSecrets
from api.messaging.rasa import TOKEN_SECONDS, RasaClient, conversation_token
from tests.conftest import ADMIN, BOT, auth
from tests.messaging_support import fake_rasa  # noqa: F401

RASA_SECRET = "test-rasa-jwt-secret-0123456789abcdef"
NLG_CALL = {"response": "utter_greet", "arguments": {}, "tracker": {"slots": {"language": "nl"}}}


def test_the_gateways_token_is_a_jwt_rasa_accepts_for_one_conversation_for_a_minute():
    token = conversation_token(RASA_SECRET, "inb-7", now=1_900_000_000)

    claims = jwt.decode(token, RASA_SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert claims == {"user": {"username": "inb-7", "role": "user"}, "exp": 1_900_000_000 + TOKEN_SECONDS}
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "another-secret-0123456789abcdefghij", algorithms=["HS256"])
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(conversation_token(RASA_SECRET, "inb-7", now=time.time() - 120), RASA_SECRET, ["HS256"])


def test_every_call_to_rasa_carries_the_conversations_token(settings, fake_rasa):
    update = {"rasa_url": fake_rasa.url, "rasa_jwt_secret": RASA_SECRET}
    client = RasaClient(settings.model_copy(update=update))
    client.send("inb-7", "hallo", {"messageId": 1})
    client.tracker("inb-7")
    client.close()

    for headers in fake_rasa.headers:
        scheme, token = headers["Authorization"].split(" ")
        claims = jwt.decode(token, RASA_SECRET, algorithms=["HS256"])
        assert scheme == "Bearer" and claims["user"] == {"username": "inb-7", "role": "user"}
    assert len(fake_rasa.headers) == 2


def test_without_a_secret_the_gateway_sends_no_token_and_rasa_refuses_it(settings, fake_rasa):
    client = RasaClient(settings.model_copy(update={"rasa_url": fake_rasa.url, "rasa_jwt_secret": ""}))
    client.send("inb-7", "hallo", {})
    client.close()

    assert "Authorization" not in fake_rasa.headers[0]


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), (auth("not-a-token"), 401), (BOT, 200), (ADMIN, 403)],
    ids=["none", "unknown", "bot", "admin"],
)
def test_nlg_answers_only_the_bots_token(client, headers, status):
    assert client.post("/nlg", json=NLG_CALL, headers=headers).status_code == status


def test_nlg_refuses_a_klantmanagers_token(client, make):
    _, klantmanager = make.staff("klantmanager")
    assert client.post("/nlg", json=NLG_CALL, headers=klantmanager).status_code == 403


def test_make_run_gives_rasa_and_the_action_server_fresh_secrets_unless_configured(settings):
    empty = settings.model_copy(update={"rasa_jwt_secret": "", "action_server_secret": ""})
    made, again = BotSecrets.for_run(empty), BotSecrets.for_run(empty)
    configured = BotSecrets.for_run(settings.model_copy(update={"rasa_jwt_secret": RASA_SECRET}))

    assert len(made.rasa_jwt) >= 32 and len(made.action_server) >= 32
    assert made.rasa_jwt != again.rasa_jwt and made.rasa_jwt != made.action_server
    assert configured.rasa_jwt == RASA_SECRET


def test_each_process_gets_only_the_secrets_it_uses():
    bot = BotSecrets(bot_token="b" * 32, rasa_jwt="r" * 32, action_server="a" * 32)
    api = "http://127.0.0.1:8000"

    assert set(bot.api_env()) == {"BOT_SERVICE_TOKEN", "RASA_JWT_SECRET"}
    assert "RASA_JWT_SECRET" not in bot.actions_env(api_url=api)
    assert bot.actions_env(api_url=api)["ACTION_SERVER_SECRET"] == "a" * 32
    rasa = bot.rasa_env(actions_url="http://127.0.0.1:5055", api_url=api)
    assert rasa["RASA_ACTION_ENDPOINT_URL"] == "http://127.0.0.1:5055/webhook"
    assert rasa["RASA_NLG_URL"] == f"{api}/nlg"
    assert {rasa[k] for k in ("RASA_JWT_SECRET", "ACTION_SERVER_SECRET", "BOT_SERVICE_TOKEN")} == {
        "r" * 32, "a" * 32, "b" * 32
    }  # fmt: skip


def test_make_run_starts_each_process_with_the_secrets_its_peers_check(monkeypatch):
    from api import devserver

    monkeypatch.setenv("RASA_JWT_SECRET", "")
    monkeypatch.setenv("ACTION_SERVER_SECRET", "")
    devserver.get_settings.cache_clear()
    envs = {name: env for name, (_cmd, _cwd, env) in devserver.processes(devserver.get_settings()).items()}
    devserver.get_settings.cache_clear()

    assert len({envs[name]["RASA_JWT_SECRET"] for name in ("api", "worker", "rasa")}) == 1
    assert envs["rasa"]["ACTION_SERVER_SECRET"] == envs["actions"]["ACTION_SERVER_SECRET"]
    assert "ACTION_SERVER_SECRET" not in envs["api"] and "RASA_JWT_SECRET" not in envs["actions"]
    assert envs["rasa"]["RASA_NLG_URL"] == f"{envs['actions']['CASE_API_URL']}/nlg"
