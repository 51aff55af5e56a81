"""Fixtures and helpers for the gateway, outbox and fault-drill tests (imported by those modules)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from api.db import Database
from api.messaging.gateway import Gateway
from api.messaging.models import Conversation, Message, OutboxItem
from api.messaging.outbox import Dispatcher
from api.messaging.rasa import RasaClient
from api.settings import Settings
from api.twilio.transport import TwilioTransport
from api.worker import Worker
from tests.doubles import FakeRasa, TwilioDouble

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "test-twilio-auth-token-0123456789abcdef"  # 32+ characters, as production demands
PUBLIC = "https://assistent.example.nl"


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    rasa = FakeRasa().start()
    yield rasa
    rasa.stop()


@pytest.fixture
def twilio_double() -> Iterator[TwilioDouble]:
    double = TwilioDouble().start()
    yield double
    double.stop()


def twilio_settings(
    base: Settings, rasa: FakeRasa | None, twilio: TwilioDouble | str | None, **extra: Any
) -> Settings:
    update: dict[str, Any] = {
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "twilio_sms_from": "+3197010000001",
        "twilio_whatsapp_from": "whatsapp:+3197010000002",
        "twilio_timeout_seconds": 1.0,
        "public_base_url": PUBLIC,
        "rasa_timeout_seconds": 1.0,
    }
    if rasa is not None:
        update["rasa_url"] = rasa.url
    if twilio is not None:
        update["twilio_api_base_url"] = twilio if isinstance(twilio, str) else twilio.url
    update.update(extra)
    return base.model_copy(update=update)


def sign(path: str, params: dict[str, str], token: str = AUTH_TOKEN, base: str = PUBLIC) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(base + path, params)}


def inbound_form(sender: str, body: str, sid: str, **extra: str) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": "+3197010000001",
        "Body": body,
        "NumMedia": "0",
        **extra,
    }


def post_inbound(client: Any, sender: str, body: str, sid: str, **extra: str) -> Any:
    form = inbound_form(sender, body, sid, **extra)
    return client.post("/twilio/messages", data=form, headers=sign("/twilio/messages", form))


_texts = iter(range(900_000, 1_000_000))


def text_from(client: Any, phone: str, body: str) -> None:
    """The phone `phone` texts `body` (a fresh message SID each time); the webhook must take it."""
    assert post_inbound(client, phone, body, f"SM{next(_texts):032d}").status_code == 200


def post_status(client: Any, outbox_id: int, sid: str, status: str, error_code: str | None = None) -> Any:
    form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID}
    if error_code:
        form["ErrorCode"] = error_code
    path = f"/twilio/status?outboxId={outbox_id}"
    return client.post(path, data=form, headers=sign(path, form))


def gateway(database: Database, settings: Settings) -> Gateway:
    return Gateway(database, settings, RasaClient(settings))


def dispatcher(database: Database, settings: Settings, **kw: Any) -> Dispatcher:
    transport = TwilioTransport(settings) if settings.twilio_configured else None
    return Dispatcher(database, settings, transport, **kw)


@pytest.fixture
def worker(database: Database, settings: Settings) -> Iterator[Worker]:
    """A worker on the test's database, settings and Rasa (closed afterwards)."""
    worker = Worker(
        settings, database, dispatcher=dispatcher(database, settings), gateway=gateway(database, settings)
    )
    yield worker
    worker.close()


def messages_of(db: Any, conversation_id: int) -> list[Message]:
    db.expire_all()
    return list(
        db.scalars(select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id))
    )


def conversation_of(db: Any, person_id: int) -> Conversation:
    """The person's open conversation (None when they have none)."""
    db.expire_all()
    return db.scalar(
        select(Conversation).where(Conversation.inburgeraar_id == person_id, Conversation.closed_at.is_(None))
    )


def outbox_rows(db: Any) -> list[OutboxItem]:
    db.expire_all()
    return list(db.scalars(select(OutboxItem).order_by(OutboxItem.id)))
