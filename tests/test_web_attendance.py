"""Attendance in the web UI: marking who came, assessing absences, follow-up tasks."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from api.appointments.models import Attendance
from api.tasks.models import Task
from tests.web_helpers import open_browsers, post_form


@pytest.fixture
def web(app):
    yield from open_browsers(app)


def _attendance(db, appointment, person) -> Attendance:
    db.expire_all()
    return db.scalar(
        select(Attendance).where(
            Attendance.appointment_id == appointment.id, Attendance.inburgeraar_id == person.id
        )
    )


def test_the_attendance_page_lists_appointments_with_each_participants_status(web, make, db):
    km, _ = make.staff()
    person = make.person(km, name="Amina Haddad")
    appointment = make.appointment([person], kind="pvt_excursie", starts_in=timedelta(days=3))
    row = _attendance(db, appointment, person)
    row.status = "confirmed"
    db.commit()
    html = web(km).get("/ui/appointments").text
    assert "PVT-excursie" in html and "<bdi>Amina Haddad</bdi>" in html and "Bevestigd" in html
    assert f'href="/ui/appointments/{appointment.id}/evidence"' in html


def test_the_evidence_trail_opens_from_the_ui_with_the_session_and_is_audited(web, make, db):
    from api.audit.models import AuditEvent

    km, _ = make.staff()
    colleague, _ = make.staff()
    person = make.person(km, name="Amina Haddad")
    appointment = make.appointment([person], starts_in=timedelta(hours=-3))
    browser = web(km)
    printable = browser.get(f"/ui/appointments/{appointment.id}/evidence")
    assert printable.status_code == 200 and printable.headers["content-type"].startswith("text/html")
    assert "Amina Haddad" in printable.text
    export = browser.get(f"/ui/appointments/{appointment.id}/evidence.csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    reads = db.scalars(select(AuditEvent).where(AuditEvent.action == "read_evidence")).all()
    assert [(e.actor, e.object_id, e.detail["format"]) for e in reads] == [
        (f"staff:{km.id}", str(appointment.id), "html"),
        (f"staff:{km.id}", str(appointment.id), "csv"),
    ]
    assert web(colleague).get(f"/ui/appointments/{appointment.id}/evidence").status_code in (403, 404)


def test_a_group_appointment_shows_only_the_klantmanagers_own_people(web, make):
    km, _ = make.staff()
    colleague, _ = make.staff()
    mine = make.person(km, name="Mijn deelnemer")
    theirs = make.person(colleague, name="Deelnemer van collega")
    make.appointment([mine, theirs], kind="knm_les")
    html = web(km).get("/ui/appointments").text
    assert "Mijn deelnemer" in html and "Deelnemer van collega" not in html


def test_marking_a_past_appointment_attended_or_no_show_is_saved(web, make, db):
    km, _ = make.staff()
    person = make.person(km)
    appointment = make.appointment([person], starts_in=timedelta(hours=-3))
    browser = web(km)
    action = f"/ui/appointments/{appointment.id}/participants/{person.id}/mark"
    assert post_form(browser, "/ui/appointments", action, {"status": "no_show"}).status_code == 303
    row = _attendance(db, appointment, person)
    assert (row.status, row.marked_by_id) == ("no_show", km.id)
    post_form(browser, "/ui/appointments", action, {"status": "attended"})
    assert _attendance(db, appointment, person).status == "attended"


def test_an_unknown_mark_is_refused_naming_the_field(web, make, db):
    km, _ = make.staff()
    person = make.person(km)
    appointment = make.appointment([person], starts_in=timedelta(hours=-3))
    response = post_form(
        web(km),
        "/ui/appointments",
        f"/ui/appointments/{appointment.id}/participants/{person.id}/mark",
        {"status": "maybe"},
    )
    assert (
        response.status_code == 400 and "Controleer wat je hebt ingevuld bij: Aanwezigheid" in response.text
    )
    assert _attendance(db, appointment, person).status == "pending"


def test_an_absence_is_assessed_with_a_note(web, make, db):
    km, _ = make.staff()
    person = make.person(km)
    appointment = make.appointment([person], starts_in=timedelta(hours=-3))
    row = _attendance(db, appointment, person)
    row.status, row.absence_reason = "absence_reported", "child_sick"
    db.commit()
    browser = web(km)
    html = browser.get("/ui/appointments").text
    assert "kind ziek" in html and f'id="assessment-{appointment.id}-{person.id}"' in html
    response = post_form(
        browser,
        "/ui/appointments",
        f"/ui/appointments/{appointment.id}/participants/{person.id}/assess",
        {"assessment": "verschoonbaar", "note": "Briefje van de huisarts gezien."},
    )
    assert response.headers["location"] == "/ui/appointments?done=assessed"
    row = _attendance(db, appointment, person)
    assert (row.assessment, row.assessment_note, row.assessed_by_id) == (
        "verschoonbaar",
        "Briefje van de huisarts gezien.",
        km.id,
    )
    assert "Verschoonbaar" in browser.get("/ui/appointments").text


def test_an_attended_appointment_cannot_be_assessed(web, make, db):
    km, _ = make.staff()
    person = make.person(km)
    appointment = make.appointment([person], starts_in=timedelta(hours=-3))
    row = _attendance(db, appointment, person)
    row.status = "attended"
    db.commit()
    response = post_form(
        web(km),
        "/ui/appointments",
        f"/ui/appointments/{appointment.id}/participants/{person.id}/assess",
        {"assessment": "verwijtbaar"},
    )
    assert response.status_code == 409
    assert _attendance(db, appointment, person).assessment is None


def test_a_klantmanager_cannot_mark_someone_from_another_caseload(web, make, db):
    km, _ = make.staff()
    colleague, _ = make.staff()
    theirs = make.person(colleague)
    appointment = make.appointment([theirs], starts_in=timedelta(hours=-3))
    response = post_form(
        web(km),
        "/ui/appointments",
        f"/ui/appointments/{appointment.id}/participants/{theirs.id}/mark",
        {"status": "no_show"},
    )
    assert response.status_code == 404
    assert _attendance(db, appointment, theirs).status == "pending"


def test_tasks_show_mine_and_unassigned_and_can_be_taken_and_closed(web, make, db):
    km, _ = make.staff()
    colleague, _ = make.staff()
    person = make.person(km, name="Amina Haddad")
    mine = Task(kind="reminder_unanswered", inburgeraar_id=person.id, assignee_id=km.id)
    unknown = Task(kind="link_unknown_number", assignee_id=None)
    theirs = Task(kind="undeliverable", assignee_id=colleague.id)
    db.add_all([mine, unknown, theirs])
    db.commit()
    browser = web(km)
    html = browser.get("/ui/tasks").text
    assert "Geen reactie op herinnering: bellen" in html and "Onbekend nummer koppelen" in html
    assert "Bericht kwam niet aan" not in html
    post_form(browser, "/ui/tasks", f"/ui/tasks/{unknown.id}/take")
    post_form(browser, "/ui/tasks", f"/ui/tasks/{mine.id}/done")
    db.expire_all()
    assert (db.get(Task, unknown.id).assignee_id, db.get(Task, unknown.id).status) == (km.id, "open")
    assert db.get(Task, mine.id).status == "done" and db.get(Task, mine.id).done_at is not None
    assert post_form(browser, "/ui/tasks", f"/ui/tasks/{theirs.id}/done").status_code == 403
    db.expire_all()
    assert db.get(Task, theirs.id).status == "open"


def test_the_absence_task_names_the_appointment_by_date_and_the_assessment_closes_it(web, make, db):
    from api.attendance import service as attendance
    from api.auth import BOT
    from api.i18n.labels import appointment_title

    km, _ = make.staff()
    person = make.person(km, name="Amina Haddad")
    appointment = make.appointment([person], kind="pvt_bijeenkomst", starts_in=timedelta(hours=-3))
    attendance.report_absence(db, BOT, person.id, appointment.id, "sick")
    db.commit()
    browser = web(km)
    tasks_page = browser.get("/ui/tasks").text
    title = appointment_title("nl", "pvt_bijeenkomst", appointment.starts_at)
    assert title.startswith("PVT-bijeenkomst ") and f'<span class="sub">{title}</span>' in tasks_page
    assert "afspraak " + str(appointment.id) not in tasks_page
    response = post_form(
        browser,
        "/ui/appointments",
        f"/ui/appointments/{appointment.id}/participants/{person.id}/assess",
        {"assessment": "needs_hearing"},
    )
    assert response.status_code == 303
    db.expire_all()
    (task,) = db.scalars(select(Task).where(Task.kind == "absence_reported")).all()
    assert (task.status, task.assignee_id) == ("done", km.id)
    assert "Afmelding beoordelen" not in browser.get("/ui/tasks").text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"assessment": "", "note": "Briefje gezien, wil nog bellen."},
            "assessment",
            "Kies een beoordeling.",
        ),
        ({"assessment": "verwijtbaar", "note": "n" * 4001}, "note", "Dit is te lang: hoogstens 4000 tekens."),
    ],
    ids=["no-assessment", "note-too-long"],
)
def test_a_refused_assessment_is_shown_again_at_its_field_with_the_note_kept(
    web, make, db, data, field, message
):
    km, _ = make.staff()
    person = make.person(km)
    appointment = make.appointment([person], starts_in=timedelta(hours=-3))
    row = _attendance(db, appointment, person)
    row.status = "no_show"
    db.commit()
    response = post_form(
        web(km),
        "/ui/appointments",
        f"/ui/appointments/{appointment.id}/participants/{person.id}/assess",
        data,
    )
    assert response.status_code == 400
    html = response.text
    element = f"{field}-{appointment.id}-{person.id}"
    assert f'<p class="field-error" id="{element}-error">{message}</p>' in html
    (focused,) = re.findall(r"<(?:select|textarea)[^>]*autofocus[^>]*>", html)
    assert f'id="{element}"' in focused and 'aria-invalid="true"' in focused
    assert f">{data['note']}</textarea>" in html  # the draft is kept
    if data["assessment"]:
        assert f'<option value="{data["assessment"]}" selected>' in html
    assert _attendance(db, appointment, person).assessment is None
