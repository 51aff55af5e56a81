"""Sending what is due: once, in the person's words, never to someone who opted out, never after the start."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select, text, update

from api.messaging.models import Message, OutboxItem
from api.reminders import ics
from api.reminders.models import Reminder
from api.reminders.scheduler import explain_due, tick
from api.tasks.models import Task
from tests.conftest import BOT, auth

AMS = ZoneInfo("Europe/Amsterdam")
CREATED = datetime(2030, 3, 1, 10, 0, tzinfo=AMS)  # Friday
STARTS = datetime(2030, 3, 12, 10, 0, tzinfo=AMS)  # Tuesday: 3d = Sat 9 March 10:00, 1d = Mon 11 March 10:00


PLANNER = auth("scheduler-coordinator-token")


@pytest.fixture(autouse=True)
def _planner(make):
    """The coordinator who plans, moves and cancels the appointments of these tests (PLANNER)."""
    make.staff("coordinator", token="scheduler-coordinator-token")


def create(client, participants, *, starts=STARTS, kind="voortgangsgesprek", headers=PLANNER, **extra):
    body = {
        "kind": kind,
        "startsAt": starts.isoformat(),
        "location": "Stadskantoor, Spui 70",
        "participantIds": [p.id for p in participants],
        **extra,
    }
    response = client.post("/api/v1/appointments", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def rows(db, appointment_id, **where):
    db.expire_all()
    query = select(Reminder).where(Reminder.appointment_id == appointment_id)
    for key, value in where.items():
        query = query.where(getattr(Reminder, key) == value)
    return list(db.scalars(query.order_by(Reminder.id)))


def messages(db, appointment_id):
    db.expire_all()
    return list(
        db.scalars(select(Message).where(Message.appointment_id == appointment_id).order_by(Message.id))
    )


def run_tick(database, settings, at):
    """One worker loop: tick at `at` in its own session and commit."""
    with database.session() as session:
        result = tick(session, at.astimezone(UTC), settings=settings)
        session.commit()
    return result


@pytest.fixture
def person(make):
    km, _ = make.staff(name="Fatima de Vries")
    return make.person(km, name="Amina Haddad", language="nl")


def test_created_appointment_plans_reminders_for_every_participant(client, make, db):
    km, _ = make.staff()
    people = [make.person(km) for _ in range(2)]
    with time_machine.travel(CREATED, tick=False):
        appointment_id = create(client, people)
    listed = client.get(f"/api/v1/appointments/{appointment_id}/reminders", headers=PLANNER).json()
    assert sorted((r["inburgeraarId"], r["kind"], r["slot"]) for r in listed) == sorted(
        (p.id, kind, slot)
        for p in people
        for kind, slot in [
            ("reminder", "3d"),
            ("reminder", "1d"),
            ("reminder", "2h"),
            ("follow_up", "no_answer"),
        ]
    )
    assert {r["status"] for r in listed} == {"planned"}


def test_due_reminder_says_what_when_where_with_whom_what_to_bring_and_how_to_answer(
    client, make, db, database, settings, person
):
    staff, _ = make.staff(name="Joost Bakker")
    with time_machine.travel(CREATED, tick=False):
        appointment_id = create(client, [person], staffId=staff.id, whatToBring="je paspoort")
    at = datetime(2030, 3, 9, 10, 0, tzinfo=AMS)
    with time_machine.travel(at, tick=False):
        result = run_tick(database, settings, at)
    assert result.sent == 1
    (message,) = messages(db, appointment_id)
    assert (message.kind, message.direction, message.language) == ("reminder", "out", "nl")
    body = message.body
    for expected in (
        "voortgangsgesprek",
        "12 maart",
        "10:00",
        "Stadskantoor, Spui 70",
        "Joost Bakker",
        "je paspoort",
        "Laat het ons vooraf weten",
        "1 Ik kom",
        "2 Ik kan niet komen",
        "3 Andere tijd",
    ):
        assert expected in body, expected
    assert "/ics/" not in body  # SMS gets no calendar link
    (sent,) = rows(db, appointment_id, slot="3d")
    assert (sent.status, sent.message_id, sent.channel, sent.delivery) == (
        "sent",
        message.id,
        "sms",
        "pending",
    )
    assert (
        db.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.message_id == message.id))
        == 1
    )


def test_crash_before_commit_then_restart_sends_exactly_once(client, make, db, database, settings, person):
    with time_machine.travel(CREATED, tick=False):
        appointment_id = create(client, [person])
    at = datetime(2030, 3, 9, 10, 5, tzinfo=AMS)
    with time_machine.travel(at, tick=False):
        crashed = database.session()
        assert tick(crashed, at.astimezone(UTC), settings=settings).sent == 1
        crashed.rollback()  # the process dies before its commit
        crashed.close()
        assert run_tick(database, settings, at).sent == 1
        assert run_tick(database, settings, at).sent == 0  # and a tick after the restart finds nothing
    assert len(messages(db, appointment_id)) == 1
    outbox = db.scalar(
        select(func.count())
        .select_from(OutboxItem)
        .join(Message, Message.id == OutboxItem.message_id)
        .where(Message.appointment_id == appointment_id)
    )
    assert outbox == 1


def test_text_is_read_from_the_case_file_when_it_is_sent(client, make, db, database, settings, person):
    with time_machine.travel(CREATED, tick=False):
        appointment_id = create(client, [person], whatToBring="je paspoort")
        patched = client.patch(
            f"/api/v1/appointments/{appointment_id}", json={"whatToBring": "je bankpas"}, headers=PLANNER
        )
        assert patched.status_code == 200
    at = datetime(2030, 3, 9, 10, 0, tzinfo=AMS)
    with time_machine.travel(at, tick=False):
        run_tick(database, settings, at)
    (message,) = messages(db, appointment_id)
    assert "je bankpas" in message.body and "je paspoort" not in message.body


def test_cancelling_drops_pending_reminders_and_sends_a_cancellation_notice(
    client, make, db, database, settings, person
):
    with time_machine.travel(CREATED, tick=False):
        appointment_id = create(client, [person])
    first = datetime(2030, 3, 9, 10, 0, tzinfo=AMS)
    with time_machine.travel(first, tick=False):
        run_tick(database, settings, first)  # the 3d reminder went out
    at = datetime(2030, 3, 10, 12, 0, tzinfo=AMS)
    with time_machine.travel(at, tick=False):
        response = client.patch(
            f"/api/v1/appointments/{appointment_id}", json={"status": "cancelled"}, headers=PLANNER
        )
        assert response.status_code == 200
        run_tick(database, settings, at)
    cancelled = rows(db, appointment_id, status="cancelled")
    assert {(r.slot, r.reason) for r in cancelled} == {
        ("1d", "appointment_cancelled"),
        ("2h", "appointment_cancelled"),
        ("no_answer", "appointment_cancelled"),
    }
    kinds = [(m.kind, m.body.splitlines()[0]) for m in messages(db, appointment_id)]
    assert [k for k, _ in kinds] == ["reminder", "notice"] and "gaat niet door" in kinds[-1][1]
    # Nothing more goes out for it, however long the worker runs.
    for day in (11, 12):
        later = datetime(2030, 3, day, 9, 30, tzinfo=AMS)
        with time_machine.travel(later, tick=False):
            assert run_tick(database, settings, later).sent == 0


def test_appointment_created_after_its_first_reminder_slot_gets_a_new_appointment_notice(
    client, make, db, database, settings, person
):
    created = datetime(2030, 3, 10, 15, 0, tzinfo=AMS)  # two days ahead: the 3d slot has passed
    with time_machine.travel(created, tick=False):
        appointment_id = create(client, [person])
        run_tick(database, settings, created)
    (notice,) = messages(db, appointment_id)
    assert notice.kind == "notice" and notice.body.startswith("Nieuwe afspraak: voortgangsgesprek")
    assert "Stadskantoor" in notice.body and "1 Ik kom" not in notice.body  # digits map only after a reminder
    skipped = rows(db, appointment_id, slot="3d")[0]
    assert (skipped.status, skipped.reason) == ("skipped", "slot_passed")
    assert rows(db, appointment_id, slot="1d")[0].status == "planned"


def test_moving_an_appointment_replans_and_tells_the_person_the_new_time(
    client, make, db, database, settings, person
):
    with time_machine.travel(CREATED, tick=False):
        appointment_id = create(client, [person])
    at = datetime(2030, 3, 9, 10, 0, tzinfo=AMS)
    with time_machine.travel(at, tick=False):
        run_tick(database, settings, at)  # the 3d reminder went out
        new_start = datetime(2030, 3, 14, 13, 0, tzinfo=AMS)
        client.patch(
            f"/api/v1/appointments/{appointment_id}",
            json={"startsAt": new_start.isoformat(), "endsAt": (new_start + timedelta(hours=1)).isoformat()},
            headers=PLANNER,
        )
        run_tick(database, settings, at)
    old = rows(db, appointment_id, revision=1)
    assert {(r.slot, r.status) for r in old if r.status == "cancelled"} == {
        ("1d", "cancelled"),
        ("2h", "cancelled"),
        ("no_answer", "cancelled"),
    }
    notice = messages(db, appointment_id)[-1]
    assert notice.kind == "notice" and "veranderd" in notice.body and "14 maart" in notice.body
    new = {r.slot: r for r in rows(db, appointment_id, revision=2)}
    assert new["1d"].status == "planned"
    assert new["1d"].due_at == datetime(2030, 3, 13, 13, 0, tzinfo=AMS).astimezone(UTC)


def test_opted_out_person_gets_no_automatic_message_and_the_klantmanager_a_task(
    client, make, db, database, settings
):
    km, _ = make.staff()
    person = make.person(km, consent_state="opted_out")
    with time_machine.travel(CREATED, tick=False):
        appointment_id = create(client, [person])
    for day in (9, 11):
        at = datetime(2030, 3, day, 10, 0, tzinfo=AMS)
        with time_machine.travel(at, tick=False):
            run_tick(database, settings, at)
    assert messages(db, appointment_id) == []
    assert {
        (r.slot, r.status, r.reason)
        for r in rows(db, appointment_id, kind="reminder")
        if r.status != "planned"
    } == {("3d", "skipped", "opted_out"), ("1d", "skipped", "opted_out")}
    tasks = list(db.scalars(select(Task).where(Task.inburgeraar_id == person.id)))
    assert [(t.kind, t.appointment_id, t.assignee_id) for t in tasks] == [
        ("undeliverable", appointment_id, km.id)
    ]


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ({"phone": "onbekend"}, "no_channel"),
        # whoever has the number wrote that it is not the person's (a recycled number, ADR 0026)
        ({"phone_disputed_at": datetime(2030, 3, 1, tzinfo=AMS)}, "number_disputed"),
    ],
    ids=["no-usable-number", "number-said-to-be-someone-elses"],
)
def test_person_without_a_usable_number_gets_a_task_instead(
    client, make, db, database, settings, number, reason
):
    km, _ = make.staff()
    person = make.person(km, **number)
    with time_machine.travel(CREATED, tick=False):
        appointment_id = create(client, [person])
    at = datetime(2030, 3, 9, 10, 0, tzinfo=AMS)
    with time_machine.travel(at, tick=False):
        run_tick(database, settings, at)
    assert messages(db, appointment_id) == []
    assert rows(db, appointment_id, slot="3d")[0].reason == reason
    assert db.scalar(select(Task.kind).where(Task.inburgeraar_id == person.id)) == "undeliverable"


@pytest.mark.parametrize(
    ("back_at", "status", "reason"),
    [
        (datetime(2030, 3, 9, 18, 0, tzinfo=AMS), "sent", "sent_late"),
        (datetime(2030, 3, 12, 10, 30, tzinfo=AMS), "skipped", "appointment_started"),
    ],
    ids=["back-before-the-start-sends-late", "back-after-the-start-skips"],
)
def test_reminder_missed_while_down_is_sent_only_if_still_useful(
    client, make, db, database, settings, person, back_at, status, reason
):
    with time_machine.travel(CREATED, tick=False):
        appointment_id = create(client, [person])
    with time_machine.travel(back_at, tick=False):
        run_tick(database, settings, back_at)
    missed = rows(db, appointment_id, slot="3d")[0]
    assert (missed.status, missed.reason) == (status, reason)


def test_reminder_due_while_down_waits_for_the_window_when_that_is_still_in_time(
    client, make, db, database, settings, person
):
    with time_machine.travel(CREATED, tick=False):
        appointment_id = create(client, [person])
    night = datetime(2030, 3, 9, 23, 0, tzinfo=AMS)
    with time_machine.travel(night, tick=False):
        assert run_tick(database, settings, night).deferred == 1
    waiting = rows(db, appointment_id, slot="3d")[0]
    assert (waiting.status, waiting.reason) == ("planned", "deferred_to_window")
    assert waiting.due_at == datetime(2030, 3, 10, 9, 0, tzinfo=AMS).astimezone(UTC)


def test_no_more_reminders_after_the_person_reported_an_absence(client, make, db, database, settings, person):
    with time_machine.travel(CREATED, tick=False):
        appointment_id = create(client, [person])
        reported = client.post(
            f"/api/v1/bot/{make.sender(person)}/attendance",
            json={"appointmentId": appointment_id, "action": "report_absence", "reason": "sick"},
            headers=BOT,
        )
        assert reported.status_code == 200
    at = datetime(2030, 3, 9, 10, 0, tzinfo=AMS)
    with time_machine.travel(at, tick=False):
        run_tick(database, settings, at)
    assert messages(db, appointment_id) == []
    assert rows(db, appointment_id, slot="3d")[0].reason == "attendance_absence_reported"


@pytest.mark.parametrize(
    ("answer", "task"),
    [(None, "reminder_unanswered"), ("confirm", None)],
    ids=["no-answer-opens-a-call-task", "confirmed-needs-no-call"],
)
def test_follow_up_asks_the_klantmanager_to_call_when_nobody_answered(
    client, make, db, database, settings, person, answer, task
):
    with time_machine.travel(CREATED, tick=False):
        appointment_id = create(client, [person])
    for at in (datetime(2030, 3, 9, 10, 0, tzinfo=AMS), datetime(2030, 3, 11, 10, 0, tzinfo=AMS)):
        with time_machine.travel(at, tick=False):
            run_tick(database, settings, at)
            if answer:
                client.post(
                    f"/api/v1/bot/{make.sender(person)}/attendance",
                    json={"appointmentId": appointment_id, "action": answer},
                    headers=BOT,
                )
    check = datetime(2030, 3, 11, 14, 0, tzinfo=AMS)  # four hours after the 1d reminder
    with time_machine.travel(check, tick=False):
        run_tick(database, settings, check)
    follow_up = rows(db, appointment_id, kind="follow_up")[0]
    assert follow_up.status == ("sent" if task else "skipped")
    db.expire_all()
    assert db.scalar(select(Task.kind).where(Task.appointment_id == appointment_id)) == task


def test_failed_delivery_opens_an_undeliverable_task_once(client, make, db, database, settings, person):
    with time_machine.travel(CREATED, tick=False):
        appointment_id = create(client, [person])
    for day in (9, 11):
        at = datetime(2030, 3, day, 10, 0, tzinfo=AMS)
        with time_machine.travel(at, tick=False):
            run_tick(database, settings, at)
            # Twilio reports the message failed (status callbacks write this).
            db.execute(
                update(Message)
                .where(Message.appointment_id == appointment_id)
                .values(status="failed", error_code="30003")
            )
            db.commit()
            run_tick(database, settings, at + timedelta(minutes=1))
    assert {r.delivery for r in rows(db, appointment_id, status="sent")} == {"failed"}
    tasks = list(db.scalars(select(Task).where(Task.appointment_id == appointment_id)))
    assert [t.kind for t in tasks] == ["undeliverable"]


def test_whatsapp_reminder_carries_a_calendar_link_that_serves_the_appointment(
    client, make, db, database, settings
):
    km, _ = make.staff()
    person = make.person(km, whatsapp_opt_in=True)
    with time_machine.travel(CREATED, tick=False):
        appointment_id = create(client, [person])
    at = datetime(2030, 3, 9, 10, 0, tzinfo=AMS)
    with time_machine.travel(at, tick=False):
        run_tick(database, settings, at)
    (message,) = messages(db, appointment_id)
    assert message.channel == "whatsapp"
    url = next(word for word in message.body.split() if "/ics/" in word)
    assert url.startswith("https://assistent.example.nl/ics/")
    response = client.get(url.removeprefix("https://assistent.example.nl"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    body = response.text
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "DTSTART:20300312T090000Z" in body and "LOCATION:Stadskantoor\\, Spui 70" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


@pytest.mark.parametrize(
    "token",
    ["1-1-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "garbage", "1-2"],
    ids=["forged-signature", "not-a-token", "no-signature"],
)
def test_calendar_link_with_a_forged_token_is_not_found(client, make, token):
    assert client.get(f"/ics/{token}.ics").status_code == 404


def test_calendar_token_for_someone_else_does_not_open_an_appointment(client, make, settings):
    km, _ = make.staff()
    on_it, other = make.person(km), make.person(km)
    appointment = make.appointment([on_it])
    token = ics.make_token(settings, appointment.id, other.id)
    assert client.get(f"/ics/{token}.ics").status_code == 404
    assert client.get(f"/ics/{ics.make_token(settings, appointment.id, on_it.id)}.ics").status_code == 200


def test_due_reminders_are_found_through_the_index_not_a_table_scan(db, database):
    if database.engine.dialect.name == "postgresql":
        db.execute(text("SET LOCAL enable_seqscan = off"))  # an empty table would be scanned anyway
    plan = " ".join(explain_due(db))
    assert "ix_reminder_status_due_at" in plan
    assert "SCAN reminder" not in plan and "TEMP B-TREE" not in plan and "Seq Scan" not in plan


@pytest.mark.postgres
def test_two_workers_on_postgresql_never_send_the_same_reminder(client, make, db, database, settings):
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite has one writer at a time")
    km, _ = make.staff()
    people = [make.person(km) for _ in range(12)]
    with time_machine.travel(CREATED, tick=False):
        appointment_id = create(client, people)
    at = datetime(2030, 3, 9, 10, 0, tzinfo=AMS).astimezone(UTC)

    # Interleaved: the first worker holds its rows uncommitted; the second skips them.
    first, second = database.session(), database.session()
    assert tick(first, at, settings=settings, batch_size=5).sent == 5
    assert tick(second, at, settings=settings, batch_size=50).sent == 7
    first.commit()
    second.commit()
    first.close()
    second.close()

    # Racing: several threads tick at once over fresh work; still one message per reminder.
    with time_machine.travel(datetime(2030, 3, 11, 10, 0, tzinfo=AMS), tick=False):
        barrier = threading.Barrier(4)

        def worker() -> None:
            barrier.wait()
            with database.session() as session:
                tick(
                    session,
                    datetime(2030, 3, 11, 10, 0, tzinfo=AMS).astimezone(UTC),
                    settings=settings,
                    batch_size=3,
                )
                session.commit()

        for _ in range(4):
            threads = [threading.Thread(target=worker) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            barrier.reset()
    sent = db.execute(
        select(Message.conversation_id, func.count())
        .where(Message.appointment_id == appointment_id)
        .group_by(Message.conversation_id)
    ).all()
    assert len(sent) == 12 and {count for _, count in sent} == {2}


def test_policy_overview_shows_offsets_window_and_follow_up(client, make):
    _, coordinator = make.staff("coordinator")
    policy = client.get("/api/v1/reminders/policy", headers=coordinator).json()
    assert policy["reminders"]["pvt_excursie"] == ["7d", "3d", "1d", "2h"]
    assert policy["reminders"]["default"] == ["3d", "1d", "2h"]
    assert policy["sendWindow"] == {"start": "09:00", "end": "20:00"}
    assert policy["followUp"]["noAnswerHoursBefore"] == 24
    assert client.get("/api/v1/reminders/policy", headers=BOT).status_code == 403


def test_calendar_file_of_a_cancelled_appointment_says_so(client, make, settings):
    person = make.person()
    appointment = make.appointment([person], status="cancelled")
    body = client.get(f"/ics/{ics.make_token(settings, appointment.id, person.id)}.ics").text
    assert "STATUS:CANCELLED" in body and "BEGIN:VALARM" not in body


LONG_ADDRESS = "Wijkcentrum De Schakel, Burgemeester Kuperusplein 12, Heerenveen"


def _three_day_reminder_in_arabic(client, make, db, database, settings, **person):
    """The 3-day reminder of an appointment with a long address, a staff member and something to bring."""
    km, _ = make.staff(name="Sanne de Vries")
    someone = make.person(km, language="ar", **person)
    with time_machine.travel(CREATED, tick=False):
        appointment_id = create(
            client, [someone], staffId=km.id, location=LONG_ADDRESS, whatToBring="je brief en je paspoort"
        )
    at = datetime(2030, 3, 9, 10, 0, tzinfo=AMS)
    with time_machine.travel(at, tick=False):
        run_tick(database, settings, at)
    (message,) = messages(db, appointment_id)
    return message


def test_sms_reminder_in_arabic_with_a_long_address_costs_at_most_three_segments(
    client, make, db, database, settings
):
    message = _three_day_reminder_in_arabic(client, make, db, database, settings)
    assert (message.channel, message.language) == ("sms", "ar")
    assert LONG_ADDRESS in message.body
    assert message.segments is not None and message.segments <= 3


def test_whatsapp_reminder_keeps_every_line_the_sms_would_leave_out(client, make, db, database, settings):
    message = _three_day_reminder_in_arabic(client, make, db, database, settings, whatsapp_opt_in=True)
    assert message.channel == "whatsapp"
    for expected in (LONG_ADDRESS, "Sanne de Vries", "je brief en je paspoort", "/ics/"):
        assert expected in message.body, expected
