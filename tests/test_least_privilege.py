"""Least privilege for staff: caseload and role shape what attendance, evidence and messages show, and the
built-in admin manages accounts only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from api.appointments.models import Attendance
from api.appointments.visibility import CASE_FILE, PLANNING
from api.audit.models import AuditEvent
from tests.conftest import ADMIN
from tests.web_helpers import open_browsers

REASON_FIELDS = {
    "absenceReason",
    "absenceDetails",
    "reportedAt",
    "reportedLate",
    "assessment",
    "assessmentNote",
}


@pytest.fixture
def web(app):
    yield from open_browsers(app)


@pytest.fixture
def group(make):
    """A PVT excursion of Fatima's Amina and Bilal and Joost's Chiara; Amina and Chiara reported absent."""
    fatima, fatima_headers = make.staff(name="Fatima")
    joost, joost_headers = make.staff(name="Joost")
    amina, bilal = make.person(fatima, name="Amina"), make.person(fatima, name="Bilal")
    chiara = make.person(joost, name="Chiara")
    appointment = make.appointment([amina, bilal, chiara], kind="pvt_excursie", starts_in=timedelta(hours=-2))
    details = {amina.id: ("sick", "koorts sinds gisteren"), chiara.id: ("family_emergency", "mijn moeder")}
    for row in make.db.scalars(select(Attendance).where(Attendance.appointment_id == appointment.id)):
        if row.inburgeraar_id in details:
            row.status = "absence_reported"
            row.absence_reason, row.absence_details = details[row.inburgeraar_id]
            row.reported_at = appointment.starts_at - timedelta(days=1)
            row.reported_late = False
    make.db.commit()
    return {
        "appointment": appointment,
        "fatima": (fatima, fatima_headers),
        "joost": (joost, joost_headers),
        "amina": amina,
        "bilal": bilal,
        "chiara": chiara,
    }


def _attendance(client, group, headers):
    response = client.get(f"/api/v1/appointments/{group['appointment'].id}/attendance", headers=headers)
    assert response.status_code == 200, response.text
    return response


def test_a_klantmanager_sees_only_their_own_people_of_a_group_appointment(client, group):
    fatima, headers = group["fatima"]
    response = _attendance(client, group, headers)
    rows = {r["inburgeraarId"]: r for r in response.json()}
    assert set(rows) == {group["amina"].id, group["bilal"].id}
    assert (rows[group["amina"].id]["absenceReason"], rows[group["amina"].id]["absenceDetails"]) == (
        "sick",
        "koorts sinds gisteren",
    )
    assert "mijn moeder" not in response.text and "family_emergency" not in response.text
    shown = client.get(f"/api/v1/appointments/{group['appointment'].id}", headers=headers).json()
    assert (sorted(shown["participantIds"]), shown["participantCount"]) == (
        sorted([group["amina"].id, group["bilal"].id]),
        3,
    )


def test_the_other_klantmanager_sees_only_theirs_and_a_stranger_sees_no_appointment(client, group, make):
    _, joost = group["joost"]
    rows = _attendance(client, group, joost).json()
    assert [(r["inburgeraarId"], r["absenceDetails"]) for r in rows] == [(group["chiara"].id, "mijn moeder")]
    _, stranger = make.staff()
    url = f"/api/v1/appointments/{group['appointment'].id}/attendance"
    assert client.get(url, headers=stranger).status_code == 404


def test_a_coordinator_sees_statuses_to_plan_but_never_why_someone_is_absent(client, group, make):
    _, coordinator = make.staff("coordinator")
    response = _attendance(client, group, coordinator)
    rows = response.json()
    assert sorted((r["inburgeraarId"], r["status"]) for r in rows) == sorted(
        [
            (group["amina"].id, "absence_reported"),
            (group["bilal"].id, "pending"),
            (group["chiara"].id, "absence_reported"),
        ]
    )
    assert all(not (REASON_FIELDS & set(r)) for r in rows)
    assert "koorts" not in response.text and "sick" not in response.text
    shown = client.get(f"/api/v1/appointments/{group['appointment'].id}", headers=coordinator).json()
    assert shown["participantCount"] == len(shown["participantIds"]) == 3


def test_a_coordinator_recording_a_no_show_gets_the_planning_view_back(client, group, make):
    _, coordinator = make.staff("coordinator")
    url = f"/api/v1/appointments/{group['appointment'].id}/attendance/{group['chiara'].id}"
    response = client.put(url, json={"status": "no_show"}, headers=coordinator)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "no_show"
    assert not (REASON_FIELDS & set(response.json())) and "mijn moeder" not in response.text


def test_the_visibility_rule_gives_coordinators_a_strict_subset_of_the_case_file():
    assert set(PLANNING) < set(CASE_FILE)
    assert not {"absence_reason", "absence_details", "assessment", "assessment_note"} & set(PLANNING)


def test_reading_attendance_is_audited_with_whose_rows_were_shown(client, group, db):
    fatima, headers = group["fatima"]
    _attendance(client, group, headers)
    (event,) = db.scalars(select(AuditEvent).where(AuditEvent.action == "read")).all()
    assert (event.actor, event.object_type, event.object_id) == (
        f"staff:{fatima.id}",
        "appointment",
        str(group["appointment"].id),
    )
    assert event.detail == {
        "part": "attendance",
        "inburgeraars": sorted([group["amina"].id, group["bilal"].id]),
    }


@pytest.mark.parametrize("path", ["messages", "evidence"], ids=["conversation", "evidence"])
def test_coordinators_read_no_conversation_or_evidence_and_the_attempt_is_logged(
    client, group, make, db, path
):
    coordinator_member, coordinator = make.staff("coordinator")
    response = client.get(f"/api/v1/inburgeraars/{group['amina'].id}/{path}", headers=coordinator)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    denied = db.scalars(select(AuditEvent).where(AuditEvent.result == "denied")).all()
    assert [(e.actor, e.object_id) for e in denied] == [
        (f"staff:{coordinator_member.id}", str(group["amina"].id))
    ]


def _personal_data_calls(group):
    a, p = group["appointment"].id, group["amina"].id
    person = {"name": "Nieuw", "phone": "+31611112222", "doelgroep": "nareiziger"}
    plan = {
        "kind": "knm_les",
        "startsAt": "2031-01-01T10:00:00+01:00",
        "location": "X",
        "participantIds": [p],
    }
    return [
        ("GET", "/api/v1/inburgeraars", None),
        ("GET", f"/api/v1/inburgeraars/{p}", None),
        ("PATCH", f"/api/v1/inburgeraars/{p}", {"name": "Anders"}),
        ("POST", "/api/v1/inburgeraars", person),
        ("GET", f"/api/v1/inburgeraars/{p}/messages", None),
        ("GET", f"/api/v1/inburgeraars/{p}/evidence", None),
        ("GET", "/api/v1/appointments", None),
        ("POST", "/api/v1/appointments", plan),
        ("GET", f"/api/v1/appointments/{a}", None),
        ("GET", f"/api/v1/appointments/{a}/attendance", None),
        ("PUT", f"/api/v1/appointments/{a}/attendance/{p}", {"status": "attended"}),
        ("GET", f"/api/v1/appointments/{a}/reminders", None),
        ("GET", f"/api/v1/appointments/{a}/evidence", None),
        ("GET", "/api/v1/broadcasts", None),
    ]


def test_the_admin_token_reads_and_changes_no_personal_data_and_each_refusal_is_logged(client, group, db):
    before = db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
    calls = _personal_data_calls(group)
    for method, url, body in calls:
        response = client.request(method, url, json=body, headers=ADMIN)
        assert response.status_code == 403, (method, url, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "Amina" not in response.text
    denied = db.scalars(select(AuditEvent).where(AuditEvent.id > before)).all()
    assert len(denied) == len(calls) and {(e.actor, e.result) for e in denied} == {("admin", "denied")}


def test_the_admin_token_manages_staff_accounts(client):
    body = {"name": "Eerste", "email": "eerste@gemeente.example", "role": "coordinator"}
    created = client.post("/api/v1/staff", json=body, headers=ADMIN)
    assert created.status_code == 201, created.text
    token = {"Authorization": f"Bearer {created.json()['apiToken']}"}
    assert client.get("/api/v1/inburgeraars", headers=token).status_code == 200


def test_a_staff_admin_is_refused_the_caseload_pages_and_the_refusal_is_logged(web, make, db):
    admin, _ = make.staff("admin")
    browser = web(admin)
    for path in ("/ui/inbox", "/ui/appointments", "/ui/caseload", "/ui/broadcasts"):
        response = browser.get(path)
        assert response.status_code == 403, path
        assert "Geen toegang" in response.text
    denied = db.scalars(select(AuditEvent).where(AuditEvent.result == "denied")).all()
    assert [e.object_id for e in denied] == [
        "/ui/inbox",
        "/ui/appointments",
        "/ui/caseload",
        "/ui/broadcasts",
    ]
