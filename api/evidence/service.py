"""The evidence trail: what we did to make sure someone could come, and what they told us.

For the hearing (hoorplicht) before any fine for verwijtbaar niet verschijnen: per appointment and
participant, every reminder and notice (when, in which language, on which channel, the text, how
delivery went), the reasons any were not sent, the person's replies, confirmation, absence report (with
its reason and how long before the start), staff actions from the audit log and the assessment.

Who sees what: klantmanagers (and admins) see the full trail of their own caseload. Coordinators see
the attendance facts, the schedule and delivery of every message and staff actions, but no
conversation contents: message texts, replies' texts and understood intents, the free-text absence
details and the assessment note are left out (`redacted: true`). Every read is audit-logged.

The work is done by stage: `collect` (queries), `render` (labelled rows), `export` (JSON, CSV, HTML).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.appointments import service as appointments
from api.audit import service as audit
from api.auth import Principal
from api.evidence import collect
from api.evidence.collect import Evidence
from api.evidence.export import to_csv, to_html, to_json, to_schema
from api.people import service as people
from api.people.caseload import is_in_caseload
from api.staff.models import Role

__all__ = ["Evidence", "for_appointment", "for_inburgeraar", "to_csv", "to_html", "to_json", "to_schema"]


def _redacted(actor: Principal) -> bool:
    return actor.role == Role.coordinator


def for_appointment(db: Session, actor: Principal, appointment_id: int, *, fmt: str = "json") -> Evidence:
    """The trail of one appointment; a klantmanager sees only the participants in their caseload."""
    actor.require(Role.klantmanager, Role.coordinator)
    appointment = appointments.get_appointment(db, actor, appointment_id)
    visible = [
        att
        for att in sorted(appointment.attendances, key=lambda x: x.inburgeraar_id)
        if actor.role != Role.klantmanager or is_in_caseload(actor, att.inburgeraar)
    ]
    evidence = collect.appointment_evidence(db, appointment, visible, redacted=_redacted(actor))
    audit.record(
        db,
        actor,
        "read_evidence",
        "appointment",
        appointment.id,
        format=fmt,
        redacted=evidence.redacted,
        participants=[p.person.id for p in evidence.participations],
    )
    return evidence


def for_inburgeraar(db: Session, actor: Principal, inburgeraar_id: int, *, fmt: str = "json") -> Evidence:
    """The trail of every appointment of one person, soonest first, and their consent history."""
    actor.require(Role.klantmanager, Role.coordinator)
    person = people.get_inburgeraar(db, actor, inburgeraar_id)
    evidence = collect.person_evidence(db, person, redacted=_redacted(actor))
    audit.record(db, actor, "read_evidence", "inburgeraar", person.id, format=fmt, redacted=evidence.redacted)
    return evidence
