# ruff: noqa: F811 - the fixtures imported from tests.messaging_support are used by name
"""The outbox: sent after commit with Twilio's client, retried with backoff, looked up after ambiguous
failures, failed for good with Twilio's meaning, forward-only delivery status, WhatsApp's 24-hour rule."""

from __future__ import annotations

import itertools
import json
import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from api.db import utcnow
from api.messaging import service as messaging
from api.messaging.models import OutboxItem
from api.messaging.outbox import BACKOFF_CAP, Dispatcher, backoff
from api.messaging.transports import LocalTransport
from api.people.models import ConsentEvent, Inburgeraar
from api.reminders import texts
from api.reminders.models import Reminder
from api.tasks.models import Task
from tests.messaging_support import (  # noqa: F401 - fixtures
    PUBLIC,
    conversation_of,
    dispatcher,
    fake_rasa,
    messages_of,
    outbox_rows,
    post_inbound,
    post_status,
    twilio_double,
    twilio_settings,
)


@pytest.fixture
def settings(settings, twilio_double, fake_rasa):  # noqa: F811
    return twilio_settings(settings, fake_rasa, twilio_double)


def _queue(db, person, body="Je afspraak is morgen om 10:00.", kind="bot_reply", **kw):
    conversation = messaging.conversation_for(db, person)
    message = messaging.queue_outbound(db, conversation, body, kind=kind, **kw)
    db.commit()
    return message


def _later(hours: float = 1):
    return utcnow() + timedelta(hours=hours)


def test_reply_is_sent_after_commit_with_a_status_callback_that_carries_the_outbox_id(
    db, make, database, settings, twilio_double
):
    person = make.person()
    message = _queue(db, person)
    assert twilio_double.created == []  # queuing sends nothing
    report = dispatcher(database, settings).run_once()
    assert report.sent == 1
    (created,) = twilio_double.created
    item = outbox_rows(db)[0]
    assert created.form["StatusCallback"] == f"{PUBLIC}/twilio/status?outboxId={item.id}"
    assert (created.to, created.form["From"], created.body) == (person.phone, "+3197010000001", message.body)
    assert (item.status, item.provider_sid, item.attempts) == ("sent", created.sid, 1)
    assert messages_of(db, message.conversation_id)[0].status == "sent"


def test_messaging_service_is_preferred_over_the_sender_number(db, make, database, settings, twilio_double):
    settings = settings.model_copy(update={"twilio_messaging_service_sid": "MG" + "2" * 32})
    _queue(db, make.person())
    dispatcher(database, settings).run_once()
    form = twilio_double.created[0].form
    assert form["MessagingServiceSid"] == "MG" + "2" * 32 and "From" not in form


def test_rate_limit_is_retried_later_with_backoff_and_sent_once(db, make, database, settings, twilio_double):
    person = make.person()
    message = _queue(db, person)
    twilio_double.script = ["20429"]
    send = dispatcher(database, settings)
    first = send.run_once()
    assert first.retried == 1 and twilio_double.created == []
    item = outbox_rows(db)[0]
    assert item.status == "pending" and item.next_attempt_at > utcnow()
    assert item.ambiguous is False  # a 429 is a refusal: nothing to look up
    shown = messages_of(db, message.conversation_id)[0]
    assert (shown.status, shown.error_code) == ("queued", "20429")
    assert send.run_once().claimed == 0  # not due yet
    assert send.run_once(now=_later()).sent == 1
    assert len(twilio_double.created) == 1
    assert messages_of(db, message.conversation_id)[0].error_code is None


def test_server_error_is_looked_up_before_sending_again(db, make, database, settings, twilio_double):
    person = make.person()
    _queue(db, person)
    twilio_double.script = ["20500"]
    send = dispatcher(database, settings)
    assert send.run_once().retried == 1
    assert outbox_rows(db)[0].ambiguous is True
    report = send.run_once(now=_later())
    assert (report.sent, report.looked_up) == (1, 0)  # Twilio did not have it, so it was sent
    assert len(twilio_double.created) == 1


def test_timeout_after_twilio_accepted_is_found_and_never_sent_twice(
    db, make, database, settings, twilio_double
):
    person = make.person()
    _queue(db, person)
    twilio_double.script = ["timeout"]
    send = dispatcher(database, settings)
    assert send.run_once().retried == 1
    assert len(twilio_double.created) == 1
    report = send.run_once(now=_later())
    assert (report.sent, report.looked_up) == (1, 1)
    assert len(twilio_double.created) == 1
    assert outbox_rows(db)[0].provider_sid == twilio_double.created[0].sid


def test_lost_request_is_sent_again_once(db, make, database, settings, twilio_double):
    _queue(db, make.person())
    twilio_double.script = ["lost"]
    send = dispatcher(database, settings)
    send.run_once()
    assert send.run_once(now=_later()).sent == 1
    assert len(twilio_double.created) == 1


def test_21610_fails_the_message_with_its_meaning_and_records_the_opt_out(
    db, make, database, settings, twilio_double
):
    km, _ = make.staff()
    person = make.person(km)
    message = _queue(db, person, kind="staff_reply")
    twilio_double.script = ["21610"]
    assert dispatcher(database, settings).run_once().failed == 1
    shown = messages_of(db, message.conversation_id)[0]
    assert (shown.status, shown.error_code) == ("failed", "21610")
    assert "afgemeld" in shown.error_message
    db.expire_all()
    assert db.get(Inburgeraar, person.id).opted_out
    assert db.scalar(select(ConsentEvent.source)) == "provider_21610"


@pytest.mark.parametrize(
    ("kind", "tasks"),
    [
        pytest.param("reminder", 1, id="reminder-opens-a-task"),
        pytest.param("broadcast", 0, id="broadcast-does-not"),
    ],
)
def test_permanent_failure_tells_the_klantmanager_when_it_matters(
    db, make, database, settings, twilio_double, kind, tasks
):
    km, _ = make.staff()
    person = make.person(km)
    _queue(db, person, kind=kind)
    twilio_double.script = ["21211"]
    dispatcher(database, settings).run_once()
    assert outbox_rows(db)[0].last_error_code == "21211"
    db.expire_all()
    assert len(db.scalars(select(Task).where(Task.kind == "undeliverable")).all()) == tasks


def test_retryable_failure_becomes_final_after_the_last_attempt(db, make, database, settings, twilio_double):
    settings = settings.model_copy(update={"outbox_max_attempts": 2})
    _queue(db, make.person())
    twilio_double.script = ["20429", "20429"]
    send = dispatcher(database, settings)
    send.run_once()
    assert send.run_once(now=_later()).failed == 1
    assert outbox_rows(db)[0].status == "failed"


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    rng = random.Random(4)
    for attempts in range(1, 30):
        delay = backoff(attempts, rng)
        nominal = min(BACKOFF_CAP.total_seconds(), 2 * 2 ** (attempts - 1))
        assert nominal / 2 <= delay.total_seconds() <= nominal
    assert backoff(50, rng) <= BACKOFF_CAP
    assert len({backoff(3, rng) for _ in range(10)}) > 1


def test_automatic_message_to_someone_who_opted_out_after_queuing_is_cancelled(
    db, make, database, settings, twilio_double
):
    person = make.person()
    message = _queue(db, person, kind="reminder")
    person.consent_state = "opted_out"
    db.commit()
    assert dispatcher(database, settings).run_once().cancelled == 1
    assert twilio_double.created == []
    assert messages_of(db, message.conversation_id)[0].status == "cancelled"


def test_local_transport_marks_messages_delivered(db, make, database, settings):
    message = _queue(db, make.person())
    Dispatcher(database, settings, LocalTransport()).run_once()
    assert messages_of(db, message.conversation_id)[0].status == "delivered"


# --- WhatsApp ----------------------------------------------------------------------------------------


def _whatsapp_person(db, make, language="nl", window_open=False):
    person = make.person(language=language, whatsapp_opt_in=True)
    conversation = messaging.conversation_for(db, person)
    if window_open:
        conversation.last_whatsapp_inbound_at = utcnow() - timedelta(hours=23)
        conversation.last_inbound_at = conversation.last_whatsapp_inbound_at
        conversation.last_channel = "whatsapp"
    db.commit()
    return person


def test_whatsapp_inside_the_window_is_free_text(db, make, database, settings, twilio_double):
    person = _whatsapp_person(db, make, window_open=True)
    _queue(db, person)
    dispatcher(database, settings).run_once()
    created = twilio_double.created[0]
    assert created.to == f"whatsapp:{person.phone}"
    assert created.form["From"] == "whatsapp:+3197010000002"
    assert created.content_sid is None and created.body


def test_whatsapp_outside_the_window_uses_the_approved_template_in_the_persons_language(
    db, make, database, settings, twilio_double
):
    person = _whatsapp_person(db, make, language="ar")
    _queue(
        db,
        person,
        "تذكير",
        kind="reminder",
        template_values={"kind": "voortgangsgesprek", "starts_at": "الثلاثاء 10:00"},
    )
    dispatcher(database, settings).run_once()
    created = twilio_double.created[0]
    assert created.content_sid == "HX00000000000000000000000000000013"
    assert json.loads(created.form["ContentVariables"]) == {"1": "voortgangsgesprek", "2": "الثلاثاء 10:00"}
    assert "Body" not in created.form


def test_whatsapp_without_a_template_sends_the_generic_one_in_the_closest_language_and_holds(
    db, make, database, settings, twilio_double, client
):
    person = _whatsapp_person(db, make, language="ti")
    first = _queue(db, person, "ሰላም", kind="bot_reply")
    second = _queue(db, person, "ካልኣይ", kind="staff_reply")
    report = dispatcher(database, settings).drain()
    assert report.sent == 1
    (generic,) = twilio_double.created
    assert generic.content_sid == "HX00000000000000000000000000000002"  # English, closest to Tigrinya here
    statuses = {m.id: m.status for m in messages_of(db, first.conversation_id)}
    assert statuses[first.id] == statuses[second.id] == "held"

    post_inbound(client, f"whatsapp:{person.phone}", "ok", "SM" + "f" * 32)  # opens the window
    dispatcher(database, settings).drain()
    bodies = [c.body for c in twilio_double.created[1:]]
    assert bodies[:2] == ["ሰላም", "ካልኣይ"]  # the held messages, in order, as free text
    statuses = {m.id: m.status for m in messages_of(db, first.conversation_id)}
    assert statuses[first.id] == statuses[second.id] == "sent"


def test_reminder_planned_inside_the_window_is_re_checked_when_it_is_due(
    db, make, database, settings, twilio_double
):
    person = _whatsapp_person(db, make, language="nl", window_open=True)
    _queue(
        db,
        person,
        "Herinnering",
        kind="reminder",
        not_before=utcnow() + timedelta(hours=30),
        template_values={"kind": "voortgangsgesprek", "starts_at": "dinsdag 10:00"},
    )
    dispatcher(database, settings).run_once(now=utcnow() + timedelta(hours=31))
    assert twilio_double.created[0].content_sid == "HX00000000000000000000000000000011"


def test_failed_whatsapp_falls_back_to_sms_when_enabled(db, make, database, settings, twilio_double):
    settings = settings.model_copy(update={"whatsapp_sms_fallback": True})
    person = _whatsapp_person(db, make, window_open=True)
    message = _queue(db, person, "Je afspraak is morgen.")
    twilio_double.script = ["63016"]
    dispatcher(database, settings).drain()
    shown = messages_of(db, message.conversation_id)
    assert [(m.channel, m.status) for m in shown] == [("whatsapp", "failed"), ("sms", "sent")]
    assert shown[0].error_code == "63016"
    assert [c.to for c in twilio_double.created] == [person.phone]


def test_whatsapp_reminder_falls_back_to_an_sms_that_keeps_to_the_sms_budget(
    db, make, database, settings, twilio_double
):
    settings = settings.model_copy(update={"whatsapp_sms_fallback": True})
    person = _whatsapp_person(db, make, language="ar", window_open=True)
    km, _ = make.staff(name="Sanne de Vries")
    address = "Wijkcentrum De Schakel, Burgemeester Kuperusplein 12, Heerenveen"
    appointment = make.appointment([person], location=address, staff_id=km.id, what_to_bring="je paspoort")
    db.refresh(appointment)
    full = texts.reminder_text("ar", appointment, "reminder", "1d", sms=False, calendar_url="https://x/ics/1")
    message = _queue(db, person, full, kind="reminder", language="ar", appointment_id=appointment.id)
    db.add(
        Reminder(
            appointment_id=appointment.id,
            inburgeraar_id=person.id,
            kind="reminder",
            slot="1d",
            appointment_starts_at=appointment.starts_at,
            nominal_at=utcnow(),
            due_at=utcnow(),
            status="sent",
            message_id=message.id,
            channel="whatsapp",
            language="ar",
        )
    )
    db.commit()
    twilio_double.script = ["63016"]
    dispatcher(database, settings).drain()
    whatsapp, sms = messages_of(db, message.conversation_id)
    assert (whatsapp.channel, whatsapp.status, sms.channel, sms.status) == (
        "whatsapp",
        "failed",
        "sms",
        "sent",
    )
    assert sms.body == texts.reminder_text("ar", appointment, "reminder", "1d")
    assert sms.segments <= 3 < whatsapp.segments
    assert address in sms.body and "/ics/" not in sms.body


# --- status callbacks ----------------------------------------------------------------------------------


def _sent_message(db, make, database, settings):
    person = make.person()
    message = _queue(db, person)
    dispatcher(database, settings).run_once()
    item = outbox_rows(db)[0]
    return person, message, item


@pytest.mark.parametrize(
    "order",
    [pytest.param(list(p), id="-".join(p)) for p in itertools.permutations(["sent", "delivered", "read"])],
)
def test_delivery_status_only_moves_forward_whatever_order_callbacks_arrive_in(
    client, db, make, database, settings, order
):
    _, message, item = _sent_message(db, make, database, settings)
    for reported in order:
        assert post_status(client, item.id, item.provider_sid, reported).status_code == 204
    assert messages_of(db, message.conversation_id)[0].status == "read"


def test_failure_is_terminal_and_shown_with_its_meaning(client, db, make, database, settings):
    _, message, item = _sent_message(db, make, database, settings)
    post_status(client, item.id, item.provider_sid, "undelivered", "30003")
    post_status(client, item.id, item.provider_sid, "delivered")
    post_status(client, item.id, item.provider_sid, "sent")
    shown = messages_of(db, message.conversation_id)[0]
    assert (shown.status, shown.error_code) == ("undelivered", "30003")
    assert "niet bereikbaar" in shown.error_message


def test_callback_for_another_sid_or_unknown_row_changes_nothing(client, db, make, database, settings):
    _, message, item = _sent_message(db, make, database, settings)
    assert post_status(client, item.id, "SM" + "9" * 32, "failed", "30005").status_code == 204
    assert post_status(client, 999999, "SM" + "8" * 32, "delivered").status_code == 204
    assert messages_of(db, message.conversation_id)[0].status == "sent"


def test_callback_that_overtakes_the_send_result_is_not_undone(
    db, make, database, settings, client, twilio_double
):
    person = make.person()
    message = _queue(db, person)
    send = dispatcher(database, settings)
    original = send.transport.send

    def send_then_callback(outgoing):
        sent = original(outgoing)
        post_status(client, outgoing.outbox_id, sent.sid, "delivered")  # Twilio is faster than our commit
        return sent

    send.transport.send = send_then_callback
    send.run_once()
    assert messages_of(db, message.conversation_id)[0].status == "delivered"
    assert outbox_rows(db)[0].status == "sent"


def test_callback_after_an_ambiguous_send_prevents_a_resend(
    db, make, database, settings, client, twilio_double
):
    _queue(db, make.person())
    twilio_double.script = ["timeout"]
    send = dispatcher(database, settings)
    send.run_once()
    item = outbox_rows(db)[0]
    post_status(client, item.id, twilio_double.created[0].sid, "sent")
    send.transport.lookup = lambda outgoing: pytest.fail("the callback already told us")  # type: ignore[method-assign]
    assert send.run_once(now=_later()).looked_up == 1
    assert len(twilio_double.created) == 1


def test_outbox_rows_are_written_with_their_cause_and_rolled_back_with_it(db, make):
    person = make.person()
    conversation = messaging.conversation_for(db, person)
    db.commit()
    messaging.queue_outbound(db, conversation, "x", kind="bot_reply")
    db.rollback()
    assert db.scalars(select(OutboxItem)).all() == []


def test_simulator_messages_never_go_to_twilio(db, make, database, settings, twilio_double):
    message = _queue(db, make.person(), channel="web")
    dispatcher(database, settings).run_once()
    assert twilio_double.created == []
    assert messages_of(db, message.conversation_id)[0].status == "delivered"
