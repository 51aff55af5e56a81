"""Request bodies are size-limited: 413 problem+json beyond MAX_REQUEST_BYTES, Twilio's webhooks much
smaller (Twilio posts a few KB), Rasa's NLG calls larger (they carry the whole tracker)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from api.bot_endpoints.routes import MAX_NLG_BYTES
from api.messaging.models import Message
from api.twilio.webhooks import MAX_WEBHOOK_BYTES
from tests.conftest import ADMIN, BOT
from tests.messaging_support import inbound_form, sign, twilio_settings


@pytest.fixture
def settings(settings):
    return twilio_settings(settings, None, None, max_request_bytes=4096)


def _is_problem_413(response) -> bool:
    return (
        response.status_code == 413
        and response.headers["content-type"].startswith("application/problem+json")
        and response.json()["title"] == "Content too large"
    )


def test_a_body_over_the_limit_is_refused_with_413_before_anything_happens(client, db, make):
    _, coordinator = make.staff("coordinator")
    person = {"name": "A" * 5000, "phone": "+31612345678", "language": "nl", "doelgroep": "gezinsmigrant"}
    response = client.post("/api/v1/inburgeraars", json=person, headers=coordinator)

    assert _is_problem_413(response)
    assert client.get("/api/v1/inburgeraars", headers=coordinator).json() == []


def test_a_streamed_body_without_a_length_is_cut_off_at_the_limit_too(client):
    chunks = (b'{"name": "' + b"A" * 1024 for _ in range(8))
    response = client.post(
        "/api/v1/inburgeraars", content=chunks, headers={**ADMIN, "Content-Type": "application/json"}
    )
    assert _is_problem_413(response)


def test_a_twilio_webhook_larger_than_twilio_ever_sends_is_refused_and_not_stored(client, db, settings):
    settings.max_request_bytes = 10 * MAX_WEBHOOK_BYTES  # the webhook's own limit is the one that bites
    form = inbound_form("+31612345678", "x" * MAX_WEBHOOK_BYTES, "SM" + "b" * 32)
    response = client.post("/twilio/messages", data=form, headers=sign("/twilio/messages", form))

    assert _is_problem_413(response)
    assert db.scalar(select(func.count()).select_from(Message)) == 0


def test_nlg_takes_a_long_conversations_tracker(client):
    events = [{"event": "user", "text": "x" * 1000, "parse_data": {}} for _ in range(2000)]  # ~2 MB
    call = {"response": "utter_greet", "tracker": {"slots": {"language": "nl"}, "events": events}}

    assert client.post("/nlg", json=call, headers=BOT).status_code == 200
    assert MAX_NLG_BYTES >= 16 * 1024 * 1024
