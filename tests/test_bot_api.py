from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from api.appointments.models import Attendance
from api.messaging import service as messaging
from api.messaging.rasa import sender_ids_of
from tests.conftest import ADMIN, BOT


def test_profile_gives_the_bot_what_it_needs_and_nothing_for_strangers(client, make):
    km, _ = make.staff(name="Fatima de Vries")
    person = make.person(km, language="ar", pip_date=date(2026, 1, 10), leerroute="b1", pvt_hours_done=4)
    body = client.get(f"/api/v1/bot/{make.sender(person)}/profile", headers=BOT).json()
    assert body["language"] == "ar"
    assert body["termEndsOn"] == "2029-01-11"
    assert body["pvtHoursRequired"] == 12
    assert body["klantmanager"]["name"] == "Fatima de Vries"
    assert client.get("/api/v1/bot/inb-999/profile", headers=BOT).status_code == 404
    assert client.get("/api/v1/bot/nonsense/profile", headers=BOT).status_code == 404


@pytest.mark.parametrize("path", ["profile", "appointments"])
def test_a_persons_id_no_longer_opens_their_file_to_the_bot_token(client, make, path):
    person = make.person()
    make.sender(person)  # the person has a conversation; its sender id is not derived from their id
    for guess in (f"inb-{person.id}", str(person.id), f"c_{person.id}"):
        answer = client.get(f"/api/v1/bot/{guess}/{path}", headers=BOT)
        assert answer.status_code == 404 and guess not in answer.text


def test_each_conversation_has_its_own_random_sender_id(make):
    people = [make.person() for _ in range(20)]
    senders = [make.sender(person) for person in people]
    assert all(re.fullmatch(r"c_[A-Za-z0-9_-]{24}", sender) for sender in senders)
    assert len(set(senders)) == len(senders)


def test_a_closed_conversations_sender_id_no_longer_resolves(client, make):
    person = make.person(phone="+31611110001")
    old = make.sender(person)
    moved = client.patch(
        f"/api/v1/inburgeraars/{person.id}",
        json={"phone": "+31611110002"},
        headers=make.staff("coordinator")[1],
    )
    assert moved.status_code == 200
    make.db.expire_all()
    assert client.get(f"/api/v1/bot/{old}/profile", headers=BOT).status_code == 404
    new = make.sender(person)
    assert new != old and client.get(f"/api/v1/bot/{new}/profile", headers=BOT).status_code == 200


def test_an_unknown_numbers_conversation_is_not_a_sender(client, make, db):
    from api.messaging.conversations import conversation_of_number

    unknown = conversation_of_number(db, "+31699999999", None, "sms")
    db.commit()
    assert client.get(f"/api/v1/bot/{unknown.sender_id}/profile", headers=BOT).status_code == 404


def test_sender_ids_of_lists_every_conversation_of_the_person_and_nobody_elses(client, make, db):
    person, other = make.person(phone="+31611110001"), make.person()
    first = make.sender(person)
    client.patch(
        f"/api/v1/inburgeraars/{person.id}",
        json={"phone": "+31611110002"},
        headers=make.staff("coordinator")[1],
    )
    db.expire_all()
    second = make.sender(person)
    make.sender(other)

    assert sender_ids_of(db, person) == [first, second, f"inb-{person.id}"]  # and the id before 0002


def test_bot_endpoints_refuse_staff_and_admin_tokens(client, make):
    km, headers = make.staff()
    person = make.person(km)
    sender = make.sender(person)
    assert client.get(f"/api/v1/bot/{sender}/profile", headers=headers).status_code == 403
    assert client.get(f"/api/v1/bot/{sender}/profile", headers=ADMIN).status_code == 403
    assert client.get(f"/api/v1/bot/{sender}/profile").status_code == 401


def test_appointments_are_upcoming_only_and_the_reminded_one_is_in_context(client, make, db):
    person = make.person()
    make.appointment([person], starts_in=timedelta(days=-3))
    later = make.appointment([person], starts_in=timedelta(days=9))
    sooner = make.appointment([person], starts_in=timedelta(days=2))
    make.appointment([person], starts_in=timedelta(days=4), status="cancelled")
    conversation = messaging.conversation_for(db, person)
    messaging.queue_outbound(db, conversation, "Herinnering", kind="reminder", appointment_id=later.id)
    db.commit()
    body = client.get(f"/api/v1/bot/{make.sender(person)}/appointments", headers=BOT).json()
    assert [a["id"] for a in body["appointments"]] == [sooner.id, later.id]
    assert body["contextAppointmentId"] == later.id


def test_language_change_accepts_aliases_and_refuses_unknown(client, make):
    person = make.person()
    url = f"/api/v1/bot/{make.sender(person)}/language"
    assert client.put(url, json={"language": "kmr"}, headers=BOT).json() == {"language": "ku"}
    bad = client.put(url, json={"language": "klingon"}, headers=BOT)
    assert bad.status_code == 400 and bad.json()["field"] == "language"


def test_escalation_is_reused_while_open_and_becomes_urgent(client, make):
    person = make.person()
    url = f"/api/v1/bot/{make.sender(person)}/escalations"
    first = client.post(url, json={"reason": "request_human"}, headers=BOT)
    second = client.post(url, json={"reason": "urgent_help", "urgent": True}, headers=BOT)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]


def test_the_last_weeks_appointments_are_listed_for_absences_told_afterwards(client, make):
    person = make.person()
    yesterday = make.appointment([person], starts_in=timedelta(days=-1))
    last_week = make.appointment([person], starts_in=timedelta(days=-5))
    make.appointment([person], starts_in=timedelta(days=-10))
    make.appointment([person], starts_in=timedelta(days=-2), status="cancelled")
    body = client.get(f"/api/v1/bot/{make.sender(person)}/appointments", headers=BOT).json()
    assert [a["id"] for a in body["recent"]] == [yesterday.id, last_week.id]


def test_an_absence_for_yesterday_is_recorded_late_and_reaches_the_klantmanager(client, make, db):
    from api.tasks.models import Task

    km, km_headers = make.staff()
    person = make.person(km)
    yesterday = make.appointment([person], starts_in=timedelta(days=-1))
    answer = client.post(
        f"/api/v1/bot/{make.sender(person)}/attendance",
        json={"action": "report_absence", "appointment_id": yesterday.id, "reason": "sick"},
        headers=BOT,
    )
    assert answer.status_code == 200 and answer.json()["late"] is True
    task = db.query(Task).filter_by(kind="absence_reported").one()
    assert (task.appointment_id, task.assignee_id, "late=True" in task.detail) == (yesterday.id, km.id, True)


def test_an_absence_told_after_a_recorded_no_show_is_kept_and_the_no_show_stays(client, make, db):
    km, km_headers = make.staff()
    person = make.person(km)
    yesterday = make.appointment([person], starts_in=timedelta(days=-1))
    base = f"/api/v1/appointments/{yesterday.id}/attendance/{person.id}"
    assert client.put(base, json={"status": "no_show"}, headers=km_headers).status_code == 200
    answer = client.post(
        f"/api/v1/bot/{make.sender(person)}/attendance",
        json={"action": "report_absence", "appointment_id": yesterday.id, "reason": "child_sick"},
        headers=BOT,
    )
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["late"]) == ("no_show", True)
    row = db.query(Attendance).filter_by(appointment_id=yesterday.id).one()
    db.refresh(row)
    assert row.absence_reason == "child_sick"
