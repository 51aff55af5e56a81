# ruff: noqa: F811 - the fixtures imported from tests.messaging_support are used by name
"""Logs carry ids, never phone numbers, message bodies or tokens; a logged exception keeps its traceback;
every line of a request, and of the bot turn it starts, carries the request's id.

The live check, every process's log during a conversation with reminders and a Twilio failure, is in
tests/e2e/test_hardening_live.py.
"""

from __future__ import annotations

import io
import json
import logging

import pytest
import structlog

from api import logging as app_logging
from api.reminders import ics
from tests.conftest import ADMIN
from tests.messaging_support import fake_rasa, post_inbound, twilio_settings  # noqa: F401

SECRET = "configured-secret-value-0123456789abcdef"


@pytest.fixture
def lines():
    """Log lines written from here on, parsed (the app under test logs into this buffer too)."""
    buffer = io.StringIO()
    app_logging.configure("INFO", secrets=[SECRET], stream=buffer)

    def read() -> list[dict]:
        return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]

    read.text = buffer.getvalue  # type: ignore[attr-defined]
    yield read
    app_logging.configure("INFO")


@pytest.mark.parametrize(
    ("value", "gone"),
    [
        ("GET https://api.twilio.com/2010-04-01/Messages.json?To=%2B31612345678", "31612345678"),
        ("to whatsapp:+31612345678 failed", "31612345678"),
        ("sms to +32 470 12 34 56", "470 12 34 56"),
        ("belde 06-12345678 terug", "12345678"),
        ("belde 0612345678 terug", "0612345678"),
        ("Authorization: Bearer e2e-bot-token-abc", "e2e-bot-token-abc"),
        ("Basic QUMxMTE6dG9rZW4=", "QUMxMTE6dG9rZW4="),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjp7fX0.c2lnbmF0dXJl", "eyJ1c2VyIjp7fX0"),
        ("GET /ics/MTIzLjQ1Ng.abc-DEF_ghi.ics 200", "MTIzLjQ1Ng.abc-DEF_ghi"),
        ("POST /callback?outboxId=3&token=s3cr3t&x=1", "s3cr3t"),
        (f"something {SECRET} leaked", SECRET),
    ],
    ids=["url-encoded", "whatsapp", "spaced", "dutch-dashed", "dutch", "bearer", "basic", "jwt", "ics",
         "query-token", "configured-secret"],
)  # fmt: skip
def test_phone_numbers_and_tokens_in_any_text_are_replaced(lines, value, gone):
    structlog.get_logger().info("provider_said", detail=value)
    logging.getLogger("some.library").warning("library says %s", value)

    assert gone not in lines.text()
    assert [line["event"][:12] for line in lines()] == ["provider_sai", "library says"]


def test_fields_that_would_hold_a_body_or_a_credential_are_never_written(lines):
    structlog.get_logger().info(
        "careless", body="Ik ben ziek", text="hallo", phone="0031612345678", auth_token="x1", summary="ziek"
    )

    (line,) = lines()
    assert {line[k] for k in ("body", "text", "phone", "auth_token", "summary")} == {"[redacted]"}
    assert "ziek" not in lines.text() and "hallo" not in lines.text()


def test_ids_times_and_request_ids_pass_unchanged(lines):
    ids = {"outbox_id": 1234567890, "message_id": "0612", "request_id": "9f86d081884c7d659a2feaa0c55ad015"}
    structlog.get_logger().info("outbound_sent", at="2030-01-10T09:00:00.123456+00:00", **ids)

    (line,) = lines()
    assert line["at"] == "2030-01-10T09:00:00.123456+00:00"
    assert {k: line[k] for k in ids} == ids


def test_a_logged_exception_keeps_its_traceback_without_the_numbers_in_it(lines):
    def send_to(number: str) -> None:
        raise RuntimeError(f"Twilio refused {number}")

    try:
        send_to("+31612345678")
    except RuntimeError as exc:
        structlog.get_logger().exception("outbound_transport_error", error=type(exc).__name__)

    (line,) = lines()
    assert line["level"] == "error"
    assert line["exception"].startswith("Traceback (most recent call last):")
    assert "in send_to" in line["exception"] and "RuntimeError: Twilio refused [phone]" in line["exception"]
    assert "31612345678" not in lines.text()


def test_library_exceptions_keep_their_traceback_too(lines):
    try:
        {}["missing"]
    except KeyError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")

    (line,) = lines()
    assert line["logger"] == "uvicorn.error" and "KeyError: 'missing'" in line["exception"]


def test_the_http_clients_request_lines_are_not_written(lines):
    logging.getLogger("httpx").info('HTTP Request: GET https://api.twilio.com/x?To=%2B31612345678 "200 OK"')
    logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET /ics/abc.ics HTTP/1.1" 200')

    assert lines() == []


def test_every_response_carries_a_request_id_and_one_access_line_naming_the_route(client, lines):
    given = client.get("/health", headers={"X-Request-ID": "req-0123456789"})
    made = client.get("/health", headers={"X-Request-ID": "not a sane id\r\n"})

    assert given.headers["X-Request-ID"] == "req-0123456789"
    assert made.headers["X-Request-ID"] != "not a sane id" and len(made.headers["X-Request-ID"]) == 32
    access = [line for line in lines() if line["event"] == "http_request"]
    assert [(a["route"], a["status"], a["request_id"]) for a in access] == [
        ("/health", 200, "req-0123456789"),
        ("/health", 200, made.headers["X-Request-ID"]),
    ]


def test_the_access_line_names_the_whole_route_template_with_its_parameters(client, lines):
    client.get("/api/v1/inburgeraars/424242", headers=ADMIN)
    client.get("/no/such/page/0612345678")

    access = [line for line in lines() if line["event"] == "http_request"]
    assert [(a["route"], a["status"]) for a in access] == [
        ("/api/v1/inburgeraars/{inburgeraar_id}", 404),
        ("unmatched", 404),
    ]


def test_the_access_line_of_a_calendar_link_names_its_route_never_its_token(client, lines, settings):
    token = ics.make_token(settings, 12345, 67890)
    client.get(f"/ics/{token}.ics")

    (access,) = [line for line in lines() if line["event"] == "http_request"]
    assert access["route"] == "/ics/{token}.ics" and access["status"] == 404
    assert token not in lines.text()


@pytest.fixture
def settings(settings, fake_rasa):
    return twilio_settings(settings, fake_rasa, None)


def test_a_messages_lines_share_the_webhooks_request_id_which_travels_on_to_rasa(
    client, lines, make, fake_rasa
):
    person = make.person(phone="+31612345678")
    response = post_inbound(client, person.phone, "Ik ben ziek vandaag", "SM" + "a" * 32)
    request_id = response.headers["X-Request-ID"]

    turn = [line for line in lines() if line["event"] == "inbound_bot_turn"]
    assert turn and turn[0]["request_id"] == request_id and "message_id" in turn[0]
    stored = next(line for line in lines() if line["event"] == "inbound_stored")
    assert stored["request_id"] == request_id
    assert fake_rasa.turns[0]["metadata"]["requestId"] == request_id
    assert fake_rasa.headers[0]["X-Request-ID"] == request_id
    assert "31612345678" not in lines.text() and "ziek" not in lines.text()
