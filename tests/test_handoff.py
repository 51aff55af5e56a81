# ruff: noqa: F811 - the fixtures imported from tests.messaging_support are used by name
"""While a klantmanager holds a conversation: every message is still read (crisis net first, then the
model, without a turn), what the bot understood becomes a one-click suggestion, and the klantmanager acts
for the person, keeps notes, and closes the question only with an answer or a reason."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from api.appointments.models import Appointment, Attendance
from api.audit.models import AuditEvent
from api.auth import principal_for_staff
from api.bot_endpoints.suggestions import for_handoff
from api.db import utcnow
from api.errors import Conflict, Forbidden, InvalidInput
from api.i18n.day_words import day_meant
from api.i18n.formatting import TZ
from api.messaging.models import ConversationNote, Message, OutboxItem
from api.messaging.service import list_messages
from api.reminders.models import Reminder
from api.tasks import service as tasks
from api.tasks.models import Escalation, Task
from api.web.rendering import helpers
from tests.messaging_support import (  # noqa: F401 - fixtures
    conversation_of,
    fake_rasa,
    post_inbound,
    twilio_settings,
)
from tests.test_safety import CRISIS_NL
from tests.web_helpers import escalate, inbound, open_browsers, post_form

JWT_SECRET = "handoff-test-jwt-secret-0123456789abcdef"


@pytest.fixture
def settings(settings, fake_rasa):  # noqa: F811
    return twilio_settings(settings, fake_rasa, None, rasa_jwt_secret=JWT_SECRET)


@pytest.fixture
def web(app):
    yield from open_browsers(app)


def _sid(n: int) -> str:
    return f"SM{n:032d}"


def _claims(header: str) -> dict:
    payload = header.removeprefix("Bearer ").split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _on(day_offset: int, hour: int = 14) -> datetime:
    """A moment `day_offset` days from today at `hour` o'clock in Amsterdam."""
    day = datetime.now(TZ).date() + timedelta(days=day_offset)
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ).astimezone(UTC)


def _next_wednesday() -> int:
    today = datetime.now(TZ).date()
    return (2 - today.weekday()) % 7 or 7


# --- the gateway: read, never answer -------------------------------------------------------------------


def test_while_staff_hold_the_conversation_every_message_is_read_without_a_turn(client, make, db, fake_rasa):
    person = make.person(make.staff()[0])
    post_inbound(client, person.phone, "hallo", _sid(1))
    conversation = conversation_of(db, person.id)
    escalate(db, person)
    sender = conversation.sender_id
    tracker_before = json.dumps(fake_rasa.trackers[sender])

    post_inbound(client, person.phone, "ik ben ziek, woensdag kan ik niet", _sid(2))

    assert len(fake_rasa.turns) == 1  # the bot stayed silent
    assert fake_rasa.parses == ["ik ben ziek, woensdag kan ik niet"]
    assert json.dumps(fake_rasa.trackers[sender]) == tracker_before  # the dialogue did not move
    message = db.scalar(select(Message).where(Message.body == "ik ben ziek, woensdag kan ik niet"))
    assert (message.status, message.intent, message.intent_confidence) == (
        "processed",
        "report_absence",
        0.93,
    )
    assert message.entities == [{"entity": "reason", "value": "sick"}]
    parse_headers = fake_rasa.headers[-1]
    assert _claims(parse_headers["Authorization"])["user"] == {"username": sender, "role": "user"}


def test_the_crisis_net_reads_first_and_the_model_is_not_asked_after_it(client, make, db, fake_rasa):
    person = make.person(make.staff()[0])
    post_inbound(client, person.phone, "hallo", _sid(1))
    escalate(db, person)
    post_inbound(client, person.phone, CRISIS_NL, _sid(2))
    assert fake_rasa.parses == []
    message = db.scalar(select(Message).where(Message.body == CRISIS_NL))
    assert message.intent == "urgent_help"
    assert db.scalar(select(Escalation)).urgent


def test_rasa_down_during_a_hand_off_loses_nothing_and_keeps_the_bot_silent(client, make, db, fake_rasa):
    person = make.person(make.staff()[0])
    post_inbound(client, person.phone, "hallo", _sid(1))
    escalate(db, person)
    fake_rasa.mode = "error"
    post_inbound(client, person.phone, "kun je me bellen?", _sid(2))
    message = db.scalar(select(Message).where(Message.body == "kun je me bellen?"))
    assert (message.status, message.intent) == ("processed", None)
    assert db.scalar(select(Task).where(Task.kind == "message_while_bot_down")) is None


def test_a_hand_off_in_the_middle_of_a_form_says_what_the_person_was_doing(
    client, make, db, fake_rasa, database
):
    person = make.person(make.staff()[0])
    post_inbound(client, person.phone, "ik ben ziek", _sid(1))
    sender = conversation_of(db, person.id).sender_id
    tracker = fake_rasa.trackers[sender]
    tracker["events"].append({"event": "active_loop", "name": "absence_form"})
    tracker["slots"].update({"absence_reason": "sick", "appointment_id": "12", "requested_slot": "x"})

    def asks_for_a_person(text, metadata):
        with database.session() as other:  # the bot's action, through the API, in its own transaction
            tasks.open_escalation(
                other, conversation_of(other, person.id).id, inburgeraar_id=person.id, reason="request_human"
            )
            other.commit()
        return "request_human", 0.97, [], ["Een medewerker neemt contact met je op."]

    fake_rasa.brain = asks_for_a_person
    post_inbound(client, person.phone, "ik wil een mens spreken", _sid(2))
    escalation = db.scalar(select(Escalation))
    assert escalation.interrupted_form == "absence_form"
    assert escalation.form_slots == {"absence_reason": "sick", "appointment_id": "12"}


# --- what the bot would have done: suggestions -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("ik ben ziek, woensdag kan ik niet", None),
        ("أنا مريضة ولا أستطيع الحضور يوم الأربعاء", None),
        ("چهارشنبه نمی‌تونم بیام", None),
        ("yarın gelemem", 1),
        ("بكرا ما بقدر اجي", 1),
        ("ik kom overmorgen niet", 2),
        ("I am sick", "none"),
    ],
    ids=["nl", "ar", "fa", "tr", "ar-tomorrow", "nl-overmorgen", "no-day"],
)
def test_day_words_become_the_day_the_person_means(text, offset):
    written = datetime(2026, 12, 5).date()  # a Saturday
    expected = {None: datetime(2026, 12, 9).date(), "none": None}.get(offset)
    if isinstance(offset, int):
        expected = written + timedelta(days=offset)
    assert day_meant(text, written) == expected


def _absence_handoff(db, make, person, *, slots=None, text="ik ben ziek, woensdag kan ik niet"):
    wednesday = make.appointment([person], starts_at=_on(_next_wednesday()), kind="pvt_bijeenkomst")
    make.appointment([person], starts_at=_on(_next_wednesday() + 1), kind="voortgangsgesprek")
    message = inbound(
        db, person, text, intent="report_absence", entities=[{"entity": "absence_reason", "value": "sick"}]
    )
    escalation = escalate(db, person)
    escalation.interrupted_form = "absence_form"
    escalation.form_slots = slots
    db.commit()
    return wednesday, message, escalation


def test_a_form_interrupted_by_the_hand_off_becomes_a_one_click_suggestion(db, make):
    person = make.person(make.staff()[0])
    wednesday, message, escalation = _absence_handoff(db, make, person, slots={"absence_reason": "sick"})
    (suggestion,) = for_handoff(db, person, conversation_of(db, person.id), escalation, [message])
    assert (suggestion.action, suggestion.reason, suggestion.appointment.id) == (
        "report_absence",
        "sick",
        wednesday.id,
    )
    assert suggestion.ready


def test_what_the_person_wrote_during_the_hand_off_is_suggested_newest_first(db, make):
    person = make.person(make.staff()[0])
    tomorrow = make.appointment([person], starts_at=_on(1))
    make.appointment([person], starts_at=_on(3))
    escalation = escalate(db, person, created_at=utcnow() - timedelta(minutes=5))
    first = inbound(db, person, "ik wil een andere tijd voor morgen", intent="request_reschedule")
    second = inbound(db, person, "nee, ik kom morgen toch", intent="confirm_attendance")
    found = for_handoff(db, person, conversation_of(db, person.id), escalation, [first, second])
    assert [(s.action, s.appointment.id, s.message_id) for s in found] == [
        ("confirm", tomorrow.id, second.id),
        ("request_reschedule", tomorrow.id, first.id),
    ]


def test_nothing_is_suggested_that_the_attendance_already_records(db, make):
    person = make.person(make.staff()[0])
    wednesday, message, escalation = _absence_handoff(db, make, person, slots={"absence_reason": "sick"})
    row = wednesday.attendances[0]
    row.status, row.absence_reason, row.reported_at = "absence_reported", "sick", utcnow()
    db.commit()
    assert for_handoff(db, person, conversation_of(db, person.id), escalation, [message]) == []


def test_an_absence_without_a_reason_is_suggested_but_not_in_one_click(db, make):
    person = make.person(make.staff()[0])
    make.appointment([person], starts_at=_on(1))
    escalation = escalate(db, person, created_at=utcnow() - timedelta(minutes=5))
    message = inbound(db, person, "ik kan morgen niet", intent="report_absence")
    (suggestion,) = for_handoff(db, person, conversation_of(db, person.id), escalation, [message])
    assert suggestion.reason is None and not suggestion.ready


# --- acting for the person from the conversation page -------------------------------------------------


def _page(browser, person) -> str:
    response = browser.get(f"/ui/people/{person.id}/conversation")
    assert response.status_code == 200, response.text[:300]
    return response.text


def _act(browser, person, data):
    return post_form(browser, f"/ui/people/{person.id}/conversation", f"/ui/people/{person.id}/act", data)


def test_the_klantmanager_records_the_suggested_absence_in_one_click_and_the_evidence_says_for_whom(
    web, make, db
):
    km, _ = make.staff(name="Fatima de Vries")
    person = make.person(km, language="ar")
    wednesday, _, _ = _absence_handoff(db, make, person, slots={"absence_reason": "sick"})
    browser = web(km)
    page = _page(browser, person)
    when = helpers("nl")["weekday"](wednesday.starts_at)
    assert f"Afwezigheid vastleggen: ziek, PVT-bijeenkomst {when}?" in page
    assert "Deze persoon was bezig met: zich afmelden voor een afspraak." in page

    response = _act(
        browser, person, {"action": "report_absence", "appointment": str(wednesday.id), "reason": "sick"}
    )
    assert response.status_code == 303
    row = db.scalar(select(Attendance).where(Attendance.appointment_id == wednesday.id))
    db.refresh(row)
    assert (row.status, row.absence_reason) == ("absence_reported", "sick")
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "report_absence"))
    assert event.actor == f"staff:{km.id}" and event.object_id == str(row.id)
    assert "Afwezigheid vastleggen: ziek" not in _page(browser, person)  # done: no longer suggested
    evidence = browser.get(f"/ui/appointments/{wednesday.id}/evidence").text
    assert "Fatima de Vries (namens de inburgeraar)" in evidence


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"action": "report_absence", "details": "koorts"}, "reason"),
        ({"action": "fly", "details": "koorts"}, "action"),
        ({"action": "", "details": "koorts"}, "action"),
        ({"action": "new_time", "starts_at": "2020-01-01T10:00", "details": "koorts"}, "startsAt"),
        ({"action": "new_time", "starts_at": "morgen", "details": "koorts"}, "startsAt"),
        ({"action": "confirm", "appointment": "x", "details": "koorts"}, "appointment"),
        ({"action": "confirm", "appointment": "999999", "details": "koorts"}, "appointment"),
    ],
    ids=["no-reason", "unknown-action", "no-action", "past-time", "no-time", "no-appointment", "not-theirs"],
)
def test_a_bad_form_is_refused_with_the_field_named_and_what_was_typed_kept(web, make, db, data, field):
    km, _ = make.staff()
    person = make.person(km)
    appointment = make.appointment([person], starts_at=_on(2))
    response = _act(web(km), person, {"appointment": str(appointment.id), **data})
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text and ">koorts</textarea>" in response.text
    db.refresh(appointment.attendances[0])
    assert appointment.attendances[0].status == "pending"


def test_a_klantmanager_cannot_act_for_someone_outside_the_caseload(web, make, db):
    km, _ = make.staff()
    other_km, _ = make.staff()
    person = make.person(other_km)
    appointment = make.appointment([person], starts_at=_on(2))
    own = make.person(km)
    browser = web(km)
    page_of_own = _page(browser, own)
    from tests.web_helpers import csrf_of

    response = browser.post(
        f"/ui/people/{person.id}/act",
        data={"csrf_token": csrf_of(page_of_own), "action": "confirm", "appointment": str(appointment.id)},
    )
    assert response.status_code in (403, 404)
    db.refresh(appointment.attendances[0])
    assert appointment.attendances[0].status == "pending"


def test_a_new_time_moves_a_one_person_appointment_and_plans_its_reminders(web, make, db):
    km, _ = make.staff()
    person = make.person(km)
    appointment = make.appointment([person], starts_at=_on(2))
    new = _on(9, hour=10)
    local = new.astimezone(TZ).strftime("%Y-%m-%dT%H:%M")
    response = _act(
        web(km), person, {"action": "new_time", "appointment": str(appointment.id), "starts_at": local}
    )
    assert response.status_code == 303
    db.refresh(appointment)
    assert (appointment.starts_at, appointment.ends_at - appointment.starts_at) == (new, timedelta(hours=1))
    assert appointment.status == "rescheduled"
    planned = db.scalars(select(Reminder).where(Reminder.appointment_id == appointment.id)).all()
    assert planned and {r.appointment_starts_at for r in planned if r.status == "planned"} == {new}


def test_a_new_time_for_one_person_of_a_group_gives_them_their_own_appointment(web, make, db):
    km, _ = make.staff()
    person, other = make.person(km), make.person(km)
    group = make.appointment([person, other], starts_at=_on(2), kind="pvt_excursie", location="Museum")
    local = _on(10).astimezone(TZ).strftime("%Y-%m-%dT%H:%M")
    response = _act(web(km), person, {"action": "new_time", "appointment": str(group.id), "starts_at": local})
    assert response.status_code == 303
    db.refresh(group)
    assert group.starts_at == _on(2) and len(group.attendances) == 2  # the group keeps its time
    own = db.scalar(select(Appointment).where(Appointment.id != group.id))
    assert (own.kind, own.location, own.starts_at) == ("pvt_excursie", "Museum", _on(10))
    assert [a.inburgeraar_id for a in own.attendances] == [person.id]


def test_confirm_and_request_reschedule_for_the_person_use_the_same_rules_as_the_bot(db, make):
    from api.attendance.service import act_for_person

    km, _ = make.staff()
    person = make.person(km)
    appointment = make.appointment([person], starts_at=_on(2))
    actor = principal_for_staff(km)
    assert act_for_person(db, actor, person.id, appointment.id, "confirm").status == "confirmed"
    row = act_for_person(db, actor, person.id, appointment.id, "request_reschedule", details="liever dinsdag")
    assert row.reschedule_requested_at is not None
    task = db.scalar(select(Task).where(Task.kind == "reschedule_requested"))
    assert (task.assignee_id, task.detail) == (km.id, "liever dinsdag")
    past = make.appointment([person], starts_at=_on(-2))
    with pytest.raises(Conflict):
        act_for_person(db, actor, person.id, past.id, "confirm")


# --- closing a question --------------------------------------------------------------------------------


def _close(browser, person, escalation, data):
    return post_form(
        browser, f"/ui/people/{person.id}/conversation", f"/ui/escalations/{escalation.id}/resolve", data
    )


def test_a_question_is_not_closed_without_an_answer_or_a_reason(web, make, db):
    km, _ = make.staff()
    person = make.person(km)
    escalation = escalate(db, person)
    browser = web(km)
    response = _close(browser, person, escalation, {"note": "nog even wachten"})
    assert response.status_code == 400
    assert 'id="resolution-error"' in response.text and ">nog even wachten</textarea>" in response.text
    db.refresh(escalation)
    assert escalation.status == "open"
    assert _close(browser, person, escalation, {"resolution": "by_phone"}).status_code == 303
    db.refresh(escalation)
    assert (escalation.status, escalation.resolution) == ("resolved", "by_phone")


def test_after_a_reply_a_question_closes_and_says_it_was_answered(web, make, db):
    km, _ = make.staff()
    person = make.person(km)
    escalation = escalate(db, person)
    browser = web(km)
    post_form(
        browser,
        f"/ui/people/{person.id}/conversation",
        f"/ui/people/{person.id}/reply",
        {"canned": "will_call"},
    )
    db.refresh(escalation)
    assert escalation.replied_at is not None
    page = _page(browser, person)
    assert 'id="resolution"' not in page  # no reason asked for any more
    assert _close(browser, person, escalation, {}).status_code == 303
    db.refresh(escalation)
    assert (escalation.status, escalation.resolution) == ("resolved", "replied")


def test_an_urgent_question_needs_a_note_on_what_was_done(web, make, db):
    km, _ = make.staff()
    person = make.person(km)
    escalation = escalate(db, person, urgent=True, reason="urgent_help")
    browser = web(km)
    response = _close(browser, person, escalation, {"resolution": "by_phone", "note": "  "})
    assert response.status_code == 400 and 'id="close_note-error"' in response.text
    assert '<option value="by_phone" selected>' in response.text
    response = _close(
        browser, person, escalation, {"resolution": "by_phone", "note": "Gebeld, huisarts ingeschakeld"}
    )
    assert response.status_code == 303
    db.refresh(escalation)
    assert escalation.resolution_note == "Gebeld, huisarts ingeschakeld"


def test_closing_rules_hold_in_the_service_whoever_calls_it(db, make):
    km, _ = make.staff()
    person = make.person(km)
    actor = principal_for_staff(km)
    escalation = escalate(db, person, urgent=True)
    with pytest.raises(InvalidInput) as refused:
        tasks.resolve(db, actor, escalation.id)
    assert refused.value.field == "resolution"
    with pytest.raises(InvalidInput) as refused:
        tasks.resolve(db, actor, escalation.id, resolution="replied")  # only a real reply says that
    assert refused.value.field == "resolution"
    with pytest.raises(InvalidInput) as refused:
        tasks.resolve(db, actor, escalation.id, resolution="duplicate")
    assert refused.value.field == "note"
    tasks.resolve(db, actor, escalation.id, resolution="duplicate", note="zelfde vraag als gisteren")
    with pytest.raises(Conflict):
        tasks.resolve(db, actor, escalation.id, resolution="duplicate", note="nog eens")


# --- internal notes ------------------------------------------------------------------------------------


def test_an_internal_note_stays_with_the_conversation_and_is_never_sent(web, make, db):
    km, _ = make.staff(name="Fatima de Vries")
    person = make.person(km)
    browser = web(km)
    response = post_form(
        browser,
        f"/ui/people/{person.id}/conversation",
        f"/ui/people/{person.id}/notes",
        {"note": "Belt liever na 15 uur; zoon tolkt."},
    )
    assert response.status_code == 303
    page = _page(browser, person)
    assert "Belt liever na 15 uur; zoon tolkt." in page and "<bdi>Fatima de Vries</bdi>" in page
    assert db.scalar(select(OutboxItem)) is None and db.scalar(select(Message)) is None
    note = db.scalar(select(ConversationNote))
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "note"))
    assert event.detail == {"note_id": note.id} and "zoon" not in json.dumps(event.detail)


def test_notes_are_for_those_who_may_read_the_conversation(web, make, db):
    km, _ = make.staff()
    colleague, _ = make.staff()
    coordinator, _ = make.staff("coordinator")
    person = make.person(km)
    post_form(
        web(km), f"/ui/people/{person.id}/conversation", f"/ui/people/{person.id}/notes", {"note": "geheim"}
    )
    for other in (colleague, coordinator):
        response = web(other).get(f"/ui/people/{person.id}/conversation")
        assert response.status_code == 403 and "geheim" not in response.text
    with pytest.raises(Forbidden):  # the rule the notes are read under
        list_messages(db, principal_for_staff(colleague), person.id)


def test_an_empty_note_is_refused_with_the_field_named(web, make, db):
    km, _ = make.staff()
    person = make.person(km)
    response = post_form(
        web(km), f"/ui/people/{person.id}/conversation", f"/ui/people/{person.id}/notes", {"note": "   "}
    )
    assert response.status_code == 400 and 'id="note-error"' in response.text
    assert db.scalar(select(ConversationNote)) is None
