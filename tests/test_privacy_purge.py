"""The daily purge: what is past its retention is gone everywhere, what an assessment needs is kept."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from api.appointments.models import Attendance
from api.audit import service as audit
from api.audit.models import AuditEvent
from api.auth import SYSTEM
from api.messaging.models import Conversation, ConversationNote, Message, OutboxItem
from api.messaging.service import conversation_for, queue_outbound
from api.people.models import Inburgeraar
from api.privacy import purge
from api.privacy.models import PurgeRun
from api.privacy.retention import Policy
from api.reminders.models import Reminder
from api.tasks.models import Escalation, Task
from api.worker import JOBS, Worker
from tests.privacy_support import add_turn, create_tracker_store, every_row, sender, tracker_senders

NOW = datetime(2031, 6, 15, 1, 30, tzinfo=UTC)  # 03:30 in Amsterdam: after the purge hour
DAY = timedelta(days=1)


def run(db, settings, now=NOW):
    counts = purge.purge(db, Policy.of(settings, now), settings)
    db.commit()
    db.expire_all()
    return counts


def message(db, person, body, at, *, direction="in", appointment_id=None):
    conversation = conversation_for(db, person)
    if direction == "out":
        row = queue_outbound(db, conversation, body, kind="reminder", appointment_id=appointment_id)
        row.created_at = at
        db.flush()
        item = db.scalar(select(OutboxItem).where(OutboxItem.message_id == row.id))
        if item is not None:
            item.status, item.created_at = "sent", at
            row.status = "delivered"
    else:
        row = Message(
            conversation_id=conversation.id,
            direction="in",
            channel="sms",
            body=body,
            status="processed",
            created_at=at,
            appointment_id=appointment_id,
        )
        db.add(row)
    db.commit()
    return row


def no_show(db, make, person, starts_at, **attendance):
    appointment = make.appointment([person], starts_at=starts_at)
    row = appointment.attendances[0]
    row.status = attendance.pop("status", "no_show")
    for key, value in attendance.items():
        setattr(row, key, value)
    db.commit()
    return appointment


def test_chat_past_the_retention_is_cleared_and_its_outbox_rows_deleted(db, make, settings):
    person = make.person(make.staff()[0])
    old_in = message(db, person, "oud bericht van mij", NOW - 29 * DAY)
    old_in.intent, old_in.crisis_level = "report_absence", "check"  # what the bot and the net read in it
    old_out = message(db, person, "oude herinnering", NOW - 29 * DAY, direction="out")
    recent = message(db, person, "nieuw bericht", NOW - 27 * DAY)
    counts = run(db, settings)
    assert counts["messages"] == 2 and counts["outbox"] == 1
    cleared = db.get(Message, old_in.id)
    assert cleared.body == "" and cleared.purged_at == NOW and cleared.status == "processed"
    assert cleared.intent is None and cleared.crisis_level is None
    sent = db.get(Message, old_out.id)
    assert sent.body == "" and sent.status == "delivered"  # the record that it went out stays
    assert db.scalar(select(OutboxItem).where(OutboxItem.message_id == old_out.id)) is None
    assert db.get(Message, recent.id).body == "nieuw bericht"
    assert run(db, settings)["messages"] == 0  # a second run finds nothing more


def test_a_no_show_keeps_its_evidence_until_the_assessment_is_final_and_the_objection_period_over(
    db, make, settings
):
    person = make.person(make.staff()[0])
    starts = NOW - 40 * DAY
    appointment = no_show(db, make, person, starts)
    reminder = message(
        db, person, "herinnering afspraak", starts - 3 * DAY, direction="out", appointment_id=appointment.id
    )
    db.add(
        Reminder(
            appointment_id=appointment.id,
            inburgeraar_id=person.id,
            kind="reminder",
            slot="3d",
            appointment_starts_at=starts,
            nominal_at=starts - 3 * DAY,
            due_at=starts - 3 * DAY,
            status="sent",
            message_id=reminder.id,
        )
    )
    db.commit()
    reply = message(db, person, "ik kan niet komen", starts - 2 * DAY)
    unrelated = message(db, person, "iets anders", starts - 20 * DAY)
    run(db, settings)
    assert db.get(Message, reminder.id).body and db.get(Message, reply.id).body  # nobody assessed it yet
    assert db.get(Message, unrelated.id).body == ""

    row = db.scalar(select(Attendance).where(Attendance.appointment_id == appointment.id))
    row.assessment, row.assessed_at, row.assessment_note = "verwijtbaar", NOW, "geen bericht gestuurd"
    db.commit()
    run(db, settings, NOW + 41 * DAY)
    assert db.get(Message, reply.id).body and row.assessment_note  # within the 6 weeks of bezwaar
    counts = run(db, settings, NOW + 43 * DAY)
    assert db.get(Message, reply.id).body == "" and db.get(Message, reminder.id).body == ""
    row = db.get(Attendance, row.id)
    assert row.assessment_note is None and row.assessment == "verwijtbaar" and row.status == "no_show"
    assert counts["absence_details"] == 1


def test_a_pending_hearing_keeps_the_absence_details_past_every_other_term(db, make, settings):
    person = make.person(make.staff()[0])
    appointment = no_show(
        db,
        make,
        person,
        NOW - 400 * DAY,
        status="absence_reported",
        absence_reason="sick",
        absence_details="koorts",
        reported_at=NOW - 401 * DAY,
        assessment="needs_hearing",
    )
    run(db, settings)
    row = db.scalar(select(Attendance).where(Attendance.appointment_id == appointment.id))
    assert (row.absence_reason, row.absence_details) == ("sick", "koorts")


def test_absence_details_nobody_assessed_go_after_the_unassessed_term(db, make, settings):
    person = make.person(make.staff()[0])
    details = {"status": "absence_reported", "absence_reason": "sick", "absence_details": "koorts"}
    kept = no_show(db, make, person, NOW - 181 * DAY, reported_at=NOW - 182 * DAY, **details)
    gone = no_show(db, make, person, NOW - 183 * DAY, reported_at=NOW - 184 * DAY, **details)
    assert run(db, settings)["absence_details"] == 1
    attendances = {a.appointment_id: a for a in db.scalars(select(Attendance))}
    assert attendances[kept.id].absence_details == "koorts"
    assert attendances[gone.id].absence_details is None and attendances[gone.id].absence_reason is None


def test_an_absence_nobody_will_assess_follows_the_chat_clock(db, make, settings):
    person = make.person(make.staff()[0])
    details = {"status": "absence_reported", "absence_reason": "work", "absence_details": "dienst"}
    cancelled = no_show(db, make, person, NOW - 20 * DAY, reported_at=NOW - 29 * DAY, **details)
    cancelled.status = "cancelled"
    db.commit()
    run(db, settings)
    assert (
        db.scalar(select(Attendance.absence_details).where(Attendance.appointment_id == cancelled.id)) is None
    )


def test_the_case_file_is_erased_when_its_term_after_the_obligation_has_passed(db, make, settings):
    km = make.staff()[0]
    gone = make.person(km, obligation_ended_on=date(2026, 6, 14))
    kept = make.person(km, obligation_ended_on=date(2026, 6, 15))  # its fifth year ends today
    running = make.person(km)
    message(db, gone, "hallo", NOW - 2000 * DAY)
    counts = run(db, settings)
    assert counts["people"] == 1
    assert set(db.scalars(select(Inburgeraar.id))) == {kept.id, running.id}
    assert db.scalar(select(func.count()).select_from(Message)) == 0


def test_an_unknown_numbers_conversation_goes_entirely_after_the_chat_retention(db, settings):
    old = Conversation(phone="+31699999991", created_at=NOW - 40 * DAY, last_inbound_at=NOW - 29 * DAY)
    new = Conversation(phone="+31699999992", created_at=NOW - 40 * DAY, last_inbound_at=NOW - 2 * DAY)
    db.add_all([old, new])
    db.flush()
    db.add(
        Message(conversation_id=old.id, direction="in", channel="sms", body="wie ben ik", status="processed")
    )
    db.add(Task(kind="link_unknown_number", conversation_id=old.id, detail="+31699999991"))
    db.commit()
    assert run(db, settings)["unknown_conversations"] == 1
    assert set(db.scalars(select(Conversation.phone))) == {"+31699999992"}
    assert db.scalar(select(func.count()).select_from(Task)) == 0


def test_notes_of_done_tasks_and_summaries_of_resolved_escalations_are_cleared(db, make, settings):
    person = make.person(make.staff()[0])
    conversation = conversation_for(db, person)
    db.add_all(
        [
            Task(
                kind="reschedule_requested",
                inburgeraar_id=person.id,
                status="done",
                done_at=NOW - 29 * DAY,
                detail="liever maandag",
            ),
            Task(
                kind="reschedule_requested", inburgeraar_id=person.id, status="open", detail="liever dinsdag"
            ),
            Escalation(
                conversation_id=conversation.id,
                inburgeraar_id=person.id,
                reason="request_human",
                status="resolved",
                resolved_at=NOW - 29 * DAY,
                summary="wil bellen",
            ),
        ]
    )
    db.commit()
    counts = run(db, settings)
    assert (counts["task_notes"], counts["escalation_summaries"]) == (1, 1)
    assert set(db.scalars(select(Task.detail))) == {None, "liever dinsdag"}
    assert db.scalar(select(Escalation.summary)) is None


def test_audit_events_past_the_audit_retention_are_deleted(db, settings):
    for age in (731, 729):
        audit.record(db, SYSTEM, "read", "inburgeraar", 1).at = NOW - age * DAY
    db.commit()
    assert run(db, settings)["audit_events"] == 1
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_rasa_tracker_events_past_the_retention_are_deleted_except_held_evidence(
    db, make, settings, tmp_path
):
    url = f"sqlite:///{tmp_path / 'rasa.sqlite3'}"
    create_tracker_store(url)
    settings.rasa_tracker_store_url = url
    quiet, held = make.person(make.staff()[0]), make.person(make.staff()[0])
    no_show(db, make, held, NOW - 40 * DAY)
    senders = {person.id: sender(db, person) for person in (quiet, held)}
    for sender_id in senders.values():
        add_turn(url, sender_id, NOW - 30 * DAY, "oud", "antwoord")
        add_turn(url, sender_id, NOW - 1 * DAY, "nieuw", "antwoord")
    add_turn(url, "someone-erased-long-ago", NOW - 30 * DAY, "van iemand die al gewist is", "antwoord")
    counts = run(db, settings)
    assert counts["tracker_store"] == "purged" and counts["tracker_events"] == 4
    assert tracker_senders(url) == {senders[quiet.id]: 2, senders[held.id]: 4}


def test_the_daily_job_runs_once_a_day_and_writes_one_audit_event_without_personal_data(
    db, make, database, settings
):
    person = make.person(make.staff()[0], name="Amina Geheim")
    message(db, person, "Amina schrijft iets", NOW - 30 * DAY)
    worker, other = Worker(settings, database), Worker(settings, database)

    def purge_job(which: Worker, at: datetime):
        with time_machine.travel(at, tick=False):
            return which.run_once(at).jobs["retention_purge"]

    try:
        first = purge_job(worker, NOW)
        assert first["messages"] == 1 and first["tracker_store"] == "not_configured"
        assert purge_job(other, NOW + timedelta(hours=2)) is None  # the same day
        assert purge_job(other, NOW + DAY) is not None  # the next day
    finally:
        worker.close()
        other.close()
    events = list(db.scalars(select(AuditEvent).where(AuditEvent.action == "purge")))
    assert [e.object_id for e in events] == ["2031-06-15", "2031-06-16"]
    assert events[0].actor == "system" and events[0].detail["messages"] == 1
    assert "Amina" not in json.dumps([e.detail for e in events])
    runs = list(db.scalars(select(PurgeRun).order_by(PurgeRun.day)))
    assert [r.day for r in runs] == [date(2031, 6, 15), date(2031, 6, 16)] and all(
        r.finished_at for r in runs
    )


def test_the_purge_waits_for_its_hour_and_takes_over_a_run_that_never_finished(db, settings):
    assert purge.daily(db, datetime(2031, 6, 15, 0, 30, tzinfo=UTC), settings) is None  # 02:30 local
    db.add(PurgeRun(day=date(2031, 6, 15), started_at=NOW - timedelta(hours=2)))  # a worker died mid-run
    db.commit()
    assert purge.daily(db, NOW, settings) is not None
    db.commit()
    assert purge.daily(db, NOW + timedelta(minutes=5), settings) is None


@pytest.mark.postgres
def test_two_workers_at_the_same_moment_purge_once(database, settings, backend):
    if backend != "postgres":
        pytest.skip("the race needs PostgreSQL's concurrent transactions")
    results: list = []
    barrier = threading.Barrier(2)

    def one_worker() -> None:
        with database.session() as session:
            barrier.wait()
            results.append(purge.daily(session, NOW, settings))
            session.commit()

    threads = [threading.Thread(target=one_worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r is None for r in results) == [False, True]
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(PurgeRun)) == 1


def test_the_purge_is_a_worker_job():
    assert "retention_purge" in {job.name for job in JOBS}


def test_what_the_person_wrote_about_leaves_the_audit_log_with_the_chat(db, make, settings):
    person = make.person(make.staff()[0])
    crisis = audit.record(db, SYSTEM, "crisis_detected", "conversation", 1, category="suicide")
    crisis.at = NOW - 29 * DAY
    appointment = no_show(
        db,
        make,
        person,
        NOW - 200 * DAY,
        absence_reason="sick",
        absence_details="koorts",
        reported_at=NOW - 201 * DAY,
    )
    (row,) = appointment.attendances
    reported = audit.record(db, SYSTEM, "report_absence", "attendance", row.id, reason="sick", late=False)
    reported.at = NOW - 201 * DAY
    db.commit()
    counts = run(db, settings)
    assert counts["audit_details"] == 1 and counts["absence_details"] == 1
    assert db.get(AuditEvent, crisis.id).detail is None and db.get(AuditEvent, reported.id).detail is None


def test_no_chat_past_the_retention_is_left_in_any_table_translations_notes_and_closings_included(
    db, make, settings, database
):
    """Every table and column, walked: what the chat said (a message, its machine-translated Dutch line,
    an internal note, how a question was closed, the form it interrupted) is gone after its retention."""
    mark, kept = "CHAT-MARK-7f3a", "RECENT-MARK-2b9c"
    person = make.person(make.staff()[0])
    old = NOW - 29 * DAY
    written = message(db, person, f"{mark} geschreven", old)
    written.dutch, written.translated_by = f"{mark} in het Nederlands", "libretranslate"
    sent = message(db, person, f"{mark} vertaald", old, direction="out")
    sent.dutch, sent.translated_by = f"{mark} zoals geschreven", "libretranslate"
    conversation = conversation_for(db, person)
    db.add_all(
        [
            ConversationNote(inburgeraar_id=person.id, body=f"{mark} notitie", created_at=old),
            ConversationNote(inburgeraar_id=person.id, body=f"{kept} notitie", created_at=NOW - 2 * DAY),
            Escalation(
                conversation_id=conversation.id,
                inburgeraar_id=person.id,
                reason="request_human",
                status="resolved",
                resolved_at=old,
                resolution="by_phone",
                resolution_note=f"{mark} gebeld",
                interrupted_form="absence_form",
                form_slots={"absence_details": f"{mark} koorts"},
                summary=f"{mark} samenvatting",
            ),
        ]
    )
    db.commit()
    counts = run(db, settings)
    assert counts["conversation_notes"] == 1 and counts["escalation_summaries"] == 1
    rows = every_row(database)
    left = [
        (table, row) for table, found in rows.items() for row in found if mark in json.dumps(row, default=str)
    ]
    assert left == []
    assert [r["body"] for r in rows["conversation_note"]] == [f"{kept} notitie"]
    assert {r["translated_by"] for r in rows["message"]} == {None}
