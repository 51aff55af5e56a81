"""The evidence trail for the hearing: complete for the person's own klantmanager, for nobody else."""

from __future__ import annotations

import csv
import html as html_text
import io
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from api.audit.models import AuditEvent
from api.evidence.schemas import EvidenceOut
from api.messaging.models import Message
from api.messaging.service import conversation_for
from api.reminders.scheduler import tick
from tests.conftest import BOT
from tests.web_helpers import inbound, outbound

AMS = ZoneInfo("Europe/Amsterdam")
CREATED = datetime(2030, 3, 1, 10, 0, tzinfo=AMS)
STARTS = datetime(2030, 3, 12, 10, 0, tzinfo=AMS)
REMINDED = datetime(2030, 3, 9, 10, 0, tzinfo=AMS)
REPORTED = datetime(2030, 3, 11, 7, 30, tzinfo=AMS)  # 26.5 hours before the start


@pytest.fixture
def case(client, make, db, database, settings):
    """A klantmanager's appointment: a reminder went out, the person answered and reported sick."""
    km, km_headers = make.staff(name="Fatima de Vries")
    person = make.person(km, name="Amina Haddad", language="nl")
    with time_machine.travel(CREATED, tick=False):
        response = client.post(
            "/api/v1/appointments",
            headers=km_headers,
            json={
                "kind": "voortgangsgesprek",
                "startsAt": STARTS.isoformat(),
                "location": "Stadskantoor",
                "participantIds": [person.id],
                "whatToBring": "je paspoort",
            },
        )
        appointment_id = response.json()["id"]
    with time_machine.travel(REMINDED, tick=False):
        with database.session() as session:
            tick(session, REMINDED.astimezone(UTC), settings=settings)
            session.commit()
    with time_machine.travel(REPORTED, tick=False):
        conversation = conversation_for(db, person)
        db.add(
            Message(
                conversation_id=conversation.id,
                direction="in",
                channel="sms",
                kind="person",
                body='=HYPERLINK("x") <script>ik ben ziek</script>',
                language="nl",
                status="processed",
                intent="report_absence",
                appointment_id=appointment_id,
                created_at=REPORTED.astimezone(UTC),
            )
        )
        db.commit()
        reported = client.post(
            f"/api/v1/bot/{make.sender(person)}/attendance",
            headers=BOT,
            json={
                "appointmentId": appointment_id,
                "action": "report_absence",
                "reason": "sick",
                "details": "koorts sinds gisteren",
            },
        )
        assert reported.status_code == 200, reported.text
    for later in (datetime(2030, 3, 11, 10, 0, tzinfo=AMS), datetime(2030, 3, 12, 9, 0, tzinfo=AMS)):
        with time_machine.travel(later, tick=False), database.session() as session:
            tick(session, later.astimezone(UTC), settings=settings)
            session.commit()
    after = datetime(2030, 3, 12, 12, 0, tzinfo=AMS)
    with time_machine.travel(after, tick=False):
        assessed = client.put(
            f"/api/v1/appointments/{appointment_id}/attendance/{person.id}/assessment",
            headers=km_headers,
            json={"assessment": "verschoonbaar", "note": "briefje van arts"},
        )
        assert assessed.status_code == 200, assessed.text
    return {"km": km, "headers": km_headers, "person": person, "appointment_id": appointment_id}


def test_csv_has_the_absence_with_its_reason_and_hours_before_the_start(client, case):
    response = client.get(
        f"/api/v1/appointments/{case['appointment_id']}/evidence?format=csv", headers=case["headers"]
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert "uren voor start" in rows[0]
    (absence,) = [r for r in rows if r["gebeurtenis"] == "afmelding"]
    assert absence["uren voor start"] == "26,5"
    assert absence["reden"] == "ziek"
    assert absence["tijdstip"] == "11-03-2030 07:30"
    assert absence["tekst"] == "koorts sinds gisteren"
    assert absence["afspraak"] == "Voortgangsgesprek dinsdag 12 maart 2030 10:00"
    (reminder,) = [r for r in rows if r["gebeurtenis"] == "herinnering verstuurd"]
    assert (reminder["moment"], reminder["kanaal"], reminder["taal"]) == (
        "3 dagen voor de start",
        "SMS",
        "Nederlands",
    )
    assert "Stadskantoor" in reminder["tekst"] and reminder["tijdstip"] == "09-03-2030 10:00"
    (reply,) = [r for r in rows if r["gebeurtenis"] == "antwoord van inburgeraar"]
    assert reply["tekst"].startswith("'=HYPERLINK")  # a spreadsheet must not run people's text


def test_json_trail_has_reminders_delivery_replies_absence_staff_actions_and_assessment(client, case):
    response = client.get(f"/api/v1/appointments/{case['appointment_id']}/evidence", headers=case["headers"])
    assert response.status_code == 200
    body = response.json()
    EvidenceOut.model_validate(body)  # the documented shape (OpenAPI) is the shape served
    (participant,) = body["participants"]
    assert participant["attendance"]["absenceReason"] == "sick"
    assert participant["attendance"]["absenceDetails"] == "koorts sinds gisteren"
    assert participant["attendance"]["hoursBeforeStart"] == 26.5
    assert participant["attendance"]["assessment"] == "verschoonbaar"
    assert participant["attendance"]["assessmentNote"] == "briefje van arts"
    events = [e["event"] for e in participant["timeline"]]
    for expected in ("reminder_sent", "reply", "absence_reported", "task", "staff_action", "assessment"):
        assert expected in events, expected
    sent = next(e for e in participant["timeline"] if e["event"] == "reminder_sent")
    assert (sent["slot"], sent["channel"], sent["language"], sent["status"]) == ("3d", "sms", "nl", "queued")
    assert "je paspoort" in sent["text"]
    actions = {(e["status"], e["actor"]) for e in participant["timeline"] if e["event"] == "staff_action"}
    assert ("create", "Fatima de Vries") in actions and ("assess", "Fatima de Vries") in actions
    assert ("report_absence", "assistent (namens de inburgeraar)") in actions
    # What was not sent is there too, with the reason: nothing more after the absence report.
    not_sent = {e["slot"]: e["reason"] for e in participant["timeline"] if e["event"] == "reminder_not_sent"}
    assert not_sent == {"1d": "attendance_absence_reported", "2h": "attendance_absence_reported"}
    follow_up = next(e for e in participant["timeline"] if e["event"] == "follow_up")
    assert (follow_up["status"], follow_up["reason"]) == ("skipped", "answered_absence_reported")


@pytest.mark.parametrize("fmt", ["json", "csv", "html"])
def test_coordinators_get_no_trail_in_any_format_and_the_attempt_is_logged(client, make, db, case, fmt):
    coordinator_member, coordinator = make.staff("coordinator")
    urls = [
        f"/api/v1/appointments/{case['appointment_id']}/evidence?format={fmt}",
        f"/api/v1/inburgeraars/{case['person'].id}/evidence?format={fmt}",
    ]
    for url in urls:
        response = client.get(url, headers=coordinator)
        assert response.status_code == 403, url
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "koorts" not in response.text and "ziek" not in response.text
    denied = db.scalars(select(AuditEvent).where(AuditEvent.result == "denied")).all()
    assert [(e.actor, e.action, e.object_type) for e in denied] == [
        (f"staff:{coordinator_member.id}", "read_evidence", "appointment"),
        (f"staff:{coordinator_member.id}", "read_evidence", "inburgeraar"),
    ]


def test_another_caseloads_evidence_is_not_shown_and_the_attempt_is_logged(client, make, db, case):
    _, stranger = make.staff()
    assert (
        client.get(f"/api/v1/appointments/{case['appointment_id']}/evidence", headers=stranger).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/inburgeraars/{case['person'].id}/evidence", headers=stranger).status_code == 403
    )
    assert client.get(f"/api/v1/inburgeraars/{case['person'].id}/evidence", headers=BOT).status_code == 403
    denied = db.scalars(select(AuditEvent).where(AuditEvent.result == "denied")).all()
    assert {(e.object_type, e.object_id) for e in denied} >= {
        ("appointment", str(case["appointment_id"])),
        ("inburgeraar", str(case["person"].id)),
    }


def test_every_read_of_the_evidence_is_audit_logged(client, db, case):
    for fmt in ("json", "csv", "html"):
        assert (
            client.get(
                f"/api/v1/appointments/{case['appointment_id']}/evidence?format={fmt}",
                headers=case["headers"],
            ).status_code
            == 200
        )
    client.get(f"/api/v1/inburgeraars/{case['person'].id}/evidence", headers=case["headers"])
    db.expire_all()
    reads = db.execute(
        select(AuditEvent.actor, AuditEvent.object_type, AuditEvent.detail).where(
            AuditEvent.action == "read_evidence"
        )
    ).all()
    assert [(r.object_type, r.detail["format"]) for r in reads] == [
        ("appointment", "json"),
        ("appointment", "csv"),
        ("appointment", "html"),
        ("inburgeraar", "json"),
    ]
    assert {r.actor for r in reads} == {f"staff:{case['km'].id}"}


def test_printable_page_is_dutch_and_escapes_what_people_wrote(client, case):
    response = client.get(
        f"/api/v1/appointments/{case['appointment_id']}/evidence?format=html", headers=case["headers"]
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="nl">' in page and "Verslag van een afspraak" in page
    assert "ziek, 26,5 uur voor de start" in " ".join(page.split())
    assert "Verschoonbaar" in page and "Amina Haddad" in page
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_person_evidence_covers_every_appointment_and_the_consent_history(client, make, db, case):
    from api.people import consent

    with time_machine.travel(datetime(2030, 3, 12, 13, 0, tzinfo=AMS), tick=False):
        consent.opt_out(db, case["person"], source="bot")
        db.commit()
    second = make.appointment(
        [case["person"]], kind="knm_les", starts_at=datetime(2030, 4, 2, 9, 0, tzinfo=AMS)
    )
    body = client.get(f"/api/v1/inburgeraars/{case['person'].id}/evidence", headers=case["headers"]).json()
    assert [p["appointment"]["id"] for p in body["participants"]] == [case["appointment_id"], second.id]
    assert [(c["state"], c["source"]) for c in body["consent"]] == [("opted_out", "bot")]
    assert body["participants"][0]["inburgeraar"]["consentState"] == "opted_out"


def _words(html: str) -> str:
    """What a reader sees of a page: its text without the style sheet and the tags."""
    body = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    return " ".join(html_text.unescape(re.sub(r"<[^>]+>", " ", body)).split())


# Codes and internal numbers a hearing must never read (the JSON keeps them).
RAW_CODES = [
    "late=",
    "reason=",
    "assessment=",
    "needs_hearing",
    "verschoonbaar",
    "knm_les",
    "report_absence",
    "absence_reported",
    "reminder_sent",
    " 3d ",
    " sms ",
    "Afspraak 1 ",
]


def test_the_printed_page_and_the_export_name_no_code_and_the_appointment_by_date(client, make, case):
    # Re-assessed "eerst horen": the hearing's own assessment must read in words too.
    with time_machine.travel(datetime(2030, 3, 12, 13, 0, tzinfo=AMS), tick=False):
        client.put(
            f"/api/v1/appointments/{case['appointment_id']}/attendance/{case['person'].id}/assessment",
            headers=case["headers"],
            json={"assessment": "needs_hearing", "note": "eerst horen"},
        )
    make.appointment([case["person"]], kind="knm_les", starts_at=datetime(2030, 4, 2, 9, 0, tzinfo=AMS))
    base = f"/api/v1/appointments/{case['appointment_id']}/evidence"
    page = _words(client.get(f"{base}?format=html", headers=case["headers"]).text)
    export = client.get(f"{base}?format=csv", headers=case["headers"]).text
    person_trail = f"/api/v1/inburgeraars/{case['person'].id}/evidence"
    person_page = _words(client.get(f"{person_trail}?format=html", headers=case["headers"]).text)
    person_export = client.get(f"{person_trail}?format=csv", headers=case["headers"]).text
    assert "KNM-les dinsdag 2 april 2030 09:00" in person_page
    for text in (
        page,
        person_page,
        *(" ".join(e.replace(",", " , ").split()) for e in (export, person_export)),
    ):
        for code in RAW_CODES:
            assert code not in text, code
    assert "Verslag van een afspraak: Voortgangsgesprek dinsdag 12 maart 2030 10:00" in page
    assert "Amina Haddad — Voortgangsgesprek dinsdag 12 maart 2030 10:00" in page
    assert "Eerst horen (hoorplicht)" in page and "afwezigheid beoordeeld" in page
    assert "reden: ziek; gemeld voor de start" in page and "reden: ziek; gemeld voor de start" in export
    assert "3 dagen voor de start" in page and "Nederlands" in page
    assert "@media print" in client.get(f"{base}?format=html", headers=case["headers"]).text


def test_the_conversation_around_the_appointment_is_in_the_trail_with_the_dutch_line(client, make, db, case):
    person = case["person"]
    outbound(
        db,
        person,
        "Beterschap! Ik heb je afmelding doorgegeven.",
        at=datetime(2030, 3, 11, 7, 31, tzinfo=AMS),
    )
    inbound(db, person, "Hoe laat is de les in januari?", at=datetime(2030, 2, 1, 9, 0, tzinfo=AMS))
    base = f"/api/v1/appointments/{case['appointment_id']}/evidence"
    page = _words(client.get(f"{base}?format=html", headers=case["headers"]).text)
    section = page.split("Gesprek rond de afspraak", 1)[1]
    assert "van 05-03-2030 10:00 tot 14-03-2030 11:00" in section
    assert "Beterschap! Ik heb je afmelding doorgegeven." in section and "assistent" in section
    assert "De assistent begreep: Meldt zich af voor een afspraak; taal: Nederlands" in section
    assert "Hoe laat is de les in januari?" not in page  # a month before: not about this appointment
    assert section.index("ik ben ziek") < section.index("Beterschap!")  # in the order they were written
    rows = list(csv.DictReader(io.StringIO(client.get(f"{base}?format=csv", headers=case["headers"]).text)))
    said = [r for r in rows if r["gebeurtenis"] == "bericht in het gesprek"]
    assert [r["door"] for r in said] == ["herinnering", "inburgeraar", "assistent"]
    assert said[1]["reden"] == "Meldt zich af voor een afspraak; taal: Nederlands"
    body = client.get(base, headers=case["headers"]).json()
    assert [m["kind"] for m in body["participants"][0]["conversation"]] == ["reminder", "person", "bot_reply"]


def test_the_purge_keeps_the_conversation_the_trail_shows(db, case):
    from api.appointments.models import Appointment
    from api.evidence.collect import shown_messages

    reply = outbound(db, case["person"], "Beterschap!", at=datetime(2030, 3, 11, 7, 31, tzinfo=AMS))
    appointment = db.get(Appointment, case["appointment_id"])
    assert reply.id in shown_messages(db, appointment, case["person"].id)


def test_the_assessment_closes_its_absence_task(client, make, db, case):
    from api.tasks.models import Task

    db.expire_all()
    tasks = db.scalars(select(Task).where(Task.kind == "absence_reported")).all()
    assert [(t.status, t.appointment_id) for t in tasks] == [("done", case["appointment_id"])]
    assert tasks[0].done_at is not None
    completed = db.scalars(select(AuditEvent).where(AuditEvent.action == "complete")).all()
    assert [(e.object_type, e.object_id) for e in completed] == [("task", str(tasks[0].id))]


def test_a_new_time_made_for_the_person_names_the_new_appointment_by_date(client, make, db):
    from api.appointments import service as appointments
    from api.auth import principal_for_staff

    km, headers = make.staff(name="Fatima de Vries")
    amina, yonas = make.person(km, name="Amina Haddad"), make.person(km, name="Yonas Tesfay")
    group = make.appointment(
        [amina, yonas], kind="pvt_bijeenkomst", starts_at=datetime(2030, 3, 12, 10, 0, tzinfo=AMS)
    )
    with time_machine.travel(CREATED, tick=False):
        appointments.new_time_for_person(
            db, principal_for_staff(km), group.id, amina.id, datetime(2030, 3, 19, 14, 0, tzinfo=AMS)
        )
        db.commit()
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/api/v1/appointments/{group.id}/evidence?format=csv", headers=headers).text
            )
        )
    )
    (made,) = [r for r in rows if r["status"] == "nieuwe afspraak gemaakt"]
    assert made["door"] == "Fatima de Vries (namens de inburgeraar)"
    assert made["tekst"] == "nieuwe afspraak: PVT-bijeenkomst dinsdag 19 maart 2030 14:00"
