"""The evidence trail: what we did to make sure someone could come, and what they told us.

For the hearing (hoorplicht) before any fine for verwijtbaar niet verschijnen: per appointment and
participant, every reminder and notice (when, in which language, on which channel, the text, how
delivery went), the reasons any were not sent, the person's replies, confirmation, absence report (with
its reason and how long before the start), staff actions from the audit log and the assessment.

Who sees it: the person's own klantmanager, who hears them, and nobody else: of a group appointment a
klantmanager sees only the participants in their caseload (api.appointments.visibility). Coordinators
plan with statuses and counts (the attendance API, the console) and get no trail. Every read is
audit-logged, and so is every refusal.

The work is done by stage: `collect` (queries), `render` (labelled rows), `export` (JSON, CSV, HTML).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.appointments import service as appointments
from api.appointments.visibility import visible_attendances
from api.audit import service as audit
from api.auth import Principal
from api.evidence import collect
from api.evidence.collect import Evidence
from api.evidence.export import to_csv, to_html, to_json, to_schema
from api.people import service as people
from api.staff.models import Role

__all__ = ["Evidence", "for_appointment", "for_inburgeraar", "to_csv", "to_html", "to_json", "to_schema"]


def for_appointment(db: Session, actor: Principal, appointment_id: int, *, fmt: str = "json") -> Evidence:
    """The trail of one appointment for the participants in the caller's caseload."""
    audit.require_role(
        db,
        actor,
        Role.klantmanager,
        action="read_evidence",
        object_type="appointment",
        object_id=appointment_id,
    )
    appointment = appointments.get_appointment(db, actor, appointment_id, action="read_evidence")
    evidence = collect.appointment_evidence(db, appointment, visible_attendances(actor, appointment))
    audit.record(
        db,
        actor,
        "read_evidence",
        "appointment",
        appointment.id,
        format=fmt,
        inburgeraars=[p.person.id for p in evidence.participations],
    )
    return evidence


def for_inburgeraar(db: Session, actor: Principal, inburgeraar_id: int, *, fmt: str = "json") -> Evidence:
    """The trail of every appointment of one person of the caller's caseload, and their consent history."""
    audit.require_role(
        db,
        actor,
        Role.klantmanager,
        action="read_evidence",
        object_type="inburgeraar",
        object_id=inburgeraar_id,
    )
    person = people.get_inburgeraar(db, actor, inburgeraar_id, action="read_evidence")
    evidence = collect.person_evidence(db, person)
    audit.record(db, actor, "read_evidence", "inburgeraar", person.id, format=fmt)
    return evidence
