from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.audit.models import AuditEvent
from api.db import Database
from api.main import create_app
from api.tasks.models import Task
from tests.conftest import BOT


@pytest.fixture
def coordinator(make):
    """Coordinators plan appointments for anyone; most tests here plan as one."""
    return make.staff("coordinator")[1]


def _create(client, participants, headers, **extra):
    body = {
        "kind": "voortgangsgesprek",
        "startsAt": "2030-03-12T10:00:00+01:00",
        "location": "Stadskantoor",
        "participantIds": participants,
        **extra,
    }
    return client.post("/api/v1/appointments", json=body, headers=headers)


def test_group_appointment_gives_every_participant_a_pending_attendance(client, make):
    km, km_headers = make.staff()
    people = [make.person(km) for _ in range(3)]
    response = _create(client, [p.id for p in people], km_headers, kind="pvt_excursie")
    assert response.status_code == 201, response.text
    appointment_id = response.json()["id"]
    rows = client.get(f"/api/v1/appointments/{appointment_id}/attendance", headers=km_headers).json()
    assert [(r["inburgeraarId"], r["status"], r["absenceReason"], r["reportedAt"]) for r in rows] == [
        (p.id, "pending", None, None) for p in people
    ]


def test_datetime_without_offset_is_a_400(client, make, coordinator):
    person = make.person()
    response = _create(client, [person.id], coordinator, startsAt="2030-03-12T10:00:00")
    assert response.status_code == 400
    assert response.json()["field"] == "startsAt"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"kind": "dinner"}, "kind"),
        ({"participantIds": []}, "participantIds"),
        ({"participantIds": [424242]}, "participantIds"),
        ({"endsAt": "2030-03-12T09:00:00+01:00"}, "body"),
        ({"bringItems": ["id_document", "passport photo"]}, "bringItems.1"),
    ],
    ids=["unknown-kind", "no-participants", "unknown-participant", "ends-before-start", "unknown-bring-item"],
)
def test_invalid_appointment_is_rejected_and_nothing_is_written(client, make, coordinator, extra, field):
    person = make.person()
    response = _create(client, [person.id], coordinator, **extra)
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert client.get("/api/v1/appointments", headers=coordinator).json() == []


def test_things_to_bring_are_kept_once_each_in_order_and_can_be_cleared(client, make, coordinator):
    person = make.person()
    created = _create(
        client,
        [person.id],
        coordinator,
        bringItems=["id_document", "pip", "id_document"],
        whatToBring="een pen",
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["bringItems"], body["whatToBring"]) == (["id_document", "pip"], "een pen")
    url = f"/api/v1/appointments/{created.json()['id']}"
    cleared = client.patch(url, json={"bringItems": []}, headers=coordinator)
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["bringItems"], cleared.json()["whatToBring"]) == ([], "een pen")


def test_moving_an_appointment_marks_it_rescheduled(client, make, coordinator):
    person = make.person()
    appointment_id = _create(client, [person.id], coordinator).json()["id"]
    moved = client.patch(
        f"/api/v1/appointments/{appointment_id}",
        json={"startsAt": "2030-03-13T10:00:00+01:00", "endsAt": "2030-03-13T11:00:00+01:00"},
        headers=coordinator,
    )
    assert moved.status_code == 200
    assert moved.json()["status"] == "rescheduled"


def _report(client, make, person, appointment_id, **kw):
    body = {"appointmentId": appointment_id, "action": "report_absence", "reason": "child_sick", **kw}
    return client.post(f"/api/v1/bot/{make.sender(person)}/attendance", json=body, headers=BOT)


def test_absence_reported_before_start_is_recorded_as_timely_with_a_task(client, make, db):
    km, km_headers = make.staff()
    person = make.person(km)
    appointment = make.appointment([person], starts_in=timedelta(days=1))
    response = _report(client, make, person, appointment.id)
    assert response.status_code == 200, response.text
    assert response.json()["late"] is False
    row = client.get(f"/api/v1/appointments/{appointment.id}/attendance", headers=km_headers).json()[0]
    assert row["status"] == "absence_reported"
    assert row["absenceReason"] == "child_sick"
    reported = datetime.fromisoformat(row["reportedAt"])
    assert abs((reported - datetime.now(UTC)).total_seconds()) < 60
    tasks = db.scalars(select(Task)).all()
    assert [(t.kind, t.assignee_id, t.appointment_id) for t in tasks] == [
        ("absence_reported", km.id, appointment.id)
    ]


def test_absence_reported_after_start_is_recorded_as_late(client, make):
    person = make.person()
    appointment = make.appointment([person], starts_in=timedelta(minutes=-10))
    response = _report(client, make, person, appointment.id)
    assert response.status_code == 200
    assert response.json()["late"] is True


def test_absence_with_unknown_reason_is_a_400(client, make):
    person = make.person()
    appointment = make.appointment([person])
    response = _report(client, make, person, appointment.id, reason="bored")
    assert response.status_code == 400
    assert response.json()["field"] == "reason"


def test_person_cannot_act_on_someone_elses_appointment(client, make):
    person, stranger = make.person(), make.person()
    appointment = make.appointment([person])
    assert _report(client, make, stranger, appointment.id).status_code == 404


def test_check_in_needs_the_code_and_opens_an_hour_before(client, make):
    person = make.person()
    starts = datetime(2030, 5, 1, 10, 0, tzinfo=UTC)
    appointment = make.appointment([person], starts_at=starts, checkin_code="4821")
    url = f"/api/v1/bot/{make.sender(person)}/attendance"
    body = {"appointmentId": appointment.id, "action": "check_in", "checkInCode": "4821"}
    with time_machine.travel(starts - timedelta(hours=2), tick=False):
        assert client.post(url, json=body, headers=BOT).json()["code"] == "too_early"
    with time_machine.travel(starts - timedelta(minutes=5), tick=False):
        wrong = client.post(url, json={**body, "checkInCode": "0000"}, headers=BOT)
        assert wrong.status_code == 409 and wrong.json()["code"] == "wrong_code"
        ok = client.post(url, json=body, headers=BOT)
        assert ok.status_code == 200 and ok.json()["status"] == "checked_in"


def _check_in(client, sender, appointment, code):
    body = {"appointmentId": appointment.id, "action": "check_in", "checkInCode": code}
    return client.post(f"/api/v1/bot/{sender}/attendance", json=body, headers=BOT)


def test_after_five_wrong_codes_in_an_hour_check_in_is_refused_without_looking_at_the_code(client, make, db):
    person = make.person()
    starts = datetime(2030, 5, 1, 10, 0, tzinfo=UTC)
    appointment = make.appointment([person], starts_at=starts, checkin_code="4821")
    sender = make.sender(person)
    with time_machine.travel(starts - timedelta(minutes=30), tick=False):
        wrong = [_check_in(client, sender, appointment, f"000{n}") for n in range(5)]
        assert [(r.status_code, r.json()["code"]) for r in wrong] == [(409, "wrong_code")] * 5
        locked = _check_in(client, sender, appointment, "4821")
        assert (locked.status_code, locked.json()["code"]) == (429, "too_many_attempts")
    with time_machine.travel(starts + timedelta(minutes=31), tick=False):  # the wrong codes are an hour old
        assert _check_in(client, sender, appointment, "4821").json()["status"] == "checked_in"
    events = db.scalars(select(AuditEvent.action).where(AuditEvent.result == "denied")).all()
    assert sorted(events) == ["check_in_locked"] + ["check_in_wrong_code"] * 5


def test_the_check_in_limit_holds_across_api_processes(settings, database, make):
    """Two app instances, each with its own engine, as two API processes would be."""
    person = make.person()
    starts = datetime(2030, 5, 1, 10, 0, tzinfo=UTC)
    appointment = make.appointment([person], starts_at=starts, checkin_code="4821")
    sender = make.sender(person)
    processes = [create_app(settings, Database(database.url)) for _ in range(2)]
    with time_machine.travel(starts - timedelta(minutes=10), tick=False):
        with TestClient(processes[0]) as first, TestClient(processes[1]) as second:
            answers = [_check_in(api, sender, appointment, "1111") for api in (first, second) * 2]
            answers.append(_check_in(first, sender, appointment, "1111"))
            assert [a.status_code for a in answers] == [409] * 5
            assert _check_in(second, sender, appointment, "4821").status_code == 429
    for app in processes:
        app.state.db.engine.dispose()


def test_a_right_code_within_the_limit_checks_in(client, make):
    person = make.person()
    starts = datetime(2030, 5, 1, 10, 0, tzinfo=UTC)
    appointment = make.appointment([person], starts_at=starts, checkin_code="4821")
    sender = make.sender(person)
    with time_machine.travel(starts - timedelta(minutes=30), tick=False):
        assert [_check_in(client, sender, appointment, "1111").status_code for _ in range(4)] == [409] * 4
        assert _check_in(client, sender, appointment, "4821").json()["status"] == "checked_in"


def test_only_staff_mark_attended_and_assess_absences(client, make):
    km, km_headers = make.staff()
    person = make.person(km)
    appointment = make.appointment([person])
    _report(client, make, person, appointment.id)
    base = f"/api/v1/appointments/{appointment.id}/attendance/{person.id}"
    assessment = {"assessment": "verschoonbaar", "note": "kind was ziek, op tijd gemeld"}
    assert client.put(f"{base}/assessment", json=assessment, headers=BOT).status_code == 403
    response = client.put(f"{base}/assessment", json=assessment, headers=km_headers)
    assert response.status_code == 200
    assert response.json()["assessment"] == "verschoonbaar"
    assert client.put(base, json={"status": "no_show"}, headers=km_headers).json()["status"] == "no_show"


def test_cancelled_appointment_cannot_be_confirmed(client, make):
    person = make.person()
    appointment = make.appointment([person], status="cancelled")
    response = client.post(
        f"/api/v1/bot/{make.sender(person)}/attendance",
        json={"appointmentId": appointment.id, "action": "confirm"},
        headers=BOT,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "cancelled"


def test_reinstating_a_cancelled_appointment_notifies_listeners(client, make, coordinator, monkeypatch):
    from api.appointments import service as appointments
    from api.events import Hook

    seen = []
    monkeypatch.setattr(appointments, "changed", Hook("appointment_changed"))
    appointments.changed.connect(lambda db, a, change: seen.append((a.id, change)))
    person = make.person()
    appointment_id = _create(client, [person.id], coordinator).json()["id"]
    url = f"/api/v1/appointments/{appointment_id}"
    client.patch(url, json={"status": "cancelled"}, headers=coordinator)
    back = client.patch(url, json={"status": "scheduled"}, headers=coordinator)
    assert back.status_code == 200
    assert seen == [(appointment_id, "created"), (appointment_id, "cancelled"), (appointment_id, "moved")]
