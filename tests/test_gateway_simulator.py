# ruff: noqa: F811 - the fixtures imported from tests.messaging_support are used by name
"""The phone simulator: the same gateway path as Twilio, the local transport, only when enabled."""

from __future__ import annotations

import pytest

from api.main import create_app
from api.messaging.outbox import Dispatcher
from api.messaging.transports import LocalTransport
from tests.messaging_support import conversation_of, fake_rasa  # noqa: F401


@pytest.fixture
def settings(settings, fake_rasa):
    return settings.model_copy(update={"rasa_url": fake_rasa.url, "simulator_enabled": True})


def test_simulated_message_goes_through_the_gateway_and_the_reply_is_delivered_locally(
    client, make, db, database, settings, fake_rasa
):
    person = make.person(language="nl")
    response = client.post("/simulator/messages", json={"inburgeraarId": person.id, "body": "hallo"})
    assert response.status_code == 202
    assert fake_rasa.turns[0]["metadata"]["channel"] == "web"
    assert fake_rasa.turns[0]["sender"] == conversation_of(db, person.id).sender_id
    Dispatcher(database, settings, LocalTransport()).drain()
    shown = client.get(f"/simulator/{person.id}/messages").json()
    assert [(m["direction"], m["status"]) for m in shown] == [("in", "processed"), ("out", "delivered")]
    newer = client.get(f"/simulator/{person.id}/messages", params={"after": shown[0]["id"]}).json()
    assert [m["id"] for m in newer] == [shown[1]["id"]]


def test_simulator_page_is_rendered_in_the_chosen_language_without_inline_script(client, make):
    make.person(name="Amina Haddad", language="ar")
    page = client.get("/simulator", params={"lang": "ar"})
    assert page.status_code == 200
    assert 'dir="rtl"' in page.text and "Amina Haddad" in page.text
    assert '<script src="/simulator/static/simulator.js">' in page.text
    assert "<script>" not in page.text  # the CSP allows no inline script
    script = client.get("/simulator/static/simulator.js")
    assert script.status_code == 200 and "fetch(" in script.text


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        pytest.param({"body": "hallo"}, "inburgeraarId", id="no-person"),
        pytest.param({"inburgeraarId": 1, "body": "x" * 1601}, "body", id="too-long"),
        pytest.param({"inburgeraarId": 1, "body": "x", "channel": "fax"}, "channel", id="unknown-channel"),
    ],
)
def test_bad_simulator_input_is_a_400_naming_the_field(client, make, payload, field):
    make.person()
    response = client.post("/simulator/messages", json=payload)
    assert response.status_code == 400 and response.json()["field"] == field


def test_unknown_person_is_a_404(client):
    assert client.post("/simulator/messages", json={"inburgeraarId": 999, "body": "x"}).status_code == 404


def test_switching_language_updates_the_person(client, make):
    person = make.person(language="nl")
    response = client.put(f"/simulator/{person.id}/language", json={"language": "prs"})
    assert response.json() == {"language": "fa_AF"}


def test_simulator_is_not_served_when_disabled(settings, database):
    from fastapi.testclient import TestClient

    app = create_app(settings.model_copy(update={"simulator_enabled": False}), database)
    with TestClient(app) as client:
        assert client.get("/simulator").status_code == 404
        assert client.post("/simulator/messages", json={"inburgeraarId": 1, "body": "x"}).status_code == 404
