# ruff: noqa: F811 - the fixtures imported from tests.messaging_support are used by name
"""Outgoing requests checked against Twilio's own API definition: Prism serves
../shared/twilio/twilio_api_v2010.json as a validating mock, and the real twilio client talks to it.

Needs node and `npm ci` (make test runs it); skips with a message otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from api.db import utcnow
from api.messaging import service as messaging
from api.messaging.transports import Outgoing, SendFailed
from api.settings import ROOT
from api.twilio.transport import TwilioTransport
from tests.doubles import prism_mock
from tests.messaging_support import dispatcher, outbox_rows, twilio_settings

SPEC_CANDIDATES = [
    ROOT.parent / "shared" / "twilio" / "twilio_api_v2010.json",
    Path("/work/shared/twilio/twilio_api_v2010.json"),
]
EXAMPLE_SID = "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"  # Prism answers with the spec's example


@pytest.fixture(scope="module")
def prism() -> Iterator[str]:
    spec = next((p for p in SPEC_CANDIDATES if p.exists()), None)
    if spec is None:
        pytest.skip("Twilio's OpenAPI document (shared/twilio/twilio_api_v2010.json) is not there")
    with prism_mock(spec, "prism.log") as url:
        yield url


@pytest.fixture
def settings(settings, prism):  # noqa: F811
    return twilio_settings(settings, None, prism, twilio_timeout_seconds=10.0)


def _queue(db, person, body, **kw):
    conversation = messaging.conversation_for(db, person)
    if kw.pop("window_open", False):
        conversation.last_whatsapp_inbound_at = utcnow() - timedelta(hours=1)
        conversation.last_inbound_at = conversation.last_whatsapp_inbound_at
        conversation.last_channel = "whatsapp"
    message = messaging.queue_outbound(db, conversation, body, **kw)
    db.commit()
    return message


def test_sms_from_the_sender_number_passes_twilios_definition(db, make, database, settings):
    _queue(db, make.person(), "Je afspraak is morgen om 10:00.", kind="bot_reply")
    report = dispatcher(database, settings).run_once()
    assert (report.sent, report.failed, report.retried) == (1, 0, 0)
    assert outbox_rows(db)[0].provider_sid == EXAMPLE_SID


def test_sms_through_the_messaging_service_passes_twilios_definition(db, make, database, settings):
    settings = settings.model_copy(update={"twilio_messaging_service_sid": "MG" + "3" * 32})
    _queue(db, make.person(language="ar"), "موعدك غدا الساعة 10:00", kind="bot_reply")
    assert dispatcher(database, settings).run_once().sent == 1


def test_whatsapp_free_text_and_template_pass_twilios_definition(db, make, database, settings):
    person = make.person(language="nl", whatsapp_opt_in=True)
    _queue(db, person, "Hallo", kind="bot_reply", window_open=True)
    other = make.person(language="nl", whatsapp_opt_in=True)
    _queue(
        db,
        other,
        "Herinnering",
        kind="reminder",
        template_values={"kind": "voortgangsgesprek", "starts_at": "dinsdag 10:00"},
    )
    report = dispatcher(database, settings).run_once()
    assert (report.sent, report.failed) == (2, 0)
    rows = outbox_rows(db)
    assert rows[1].content_sid is not None


def test_look_up_after_an_ambiguous_failure_passes_twilios_definition(settings):
    transport = TwilioTransport(settings)
    found = transport.lookup(
        Outgoing(outbox_id=1, to="+31612345678", channel="sms", body="x", queued_at=utcnow())
    )
    assert found == []  # the spec's example message is from 2023, so it is not ours
    transport.close()


def test_prism_really_validates_a_request_that_breaks_the_definition(settings):
    transport = TwilioTransport(settings)
    with pytest.raises(SendFailed) as failure:
        # StatusCallback must be a URI in Twilio's definition
        transport.send(
            Outgoing(outbox_id=1, to="+31612345678", channel="sms", body="x", status_callback="not a url")
        )
    assert failure.value.http_status == 422 and not failure.value.retryable
    transport.close()
