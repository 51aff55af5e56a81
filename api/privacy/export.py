"""Export (AVG art. 15): everything we hold about a person, as one JSON document.

The document (format `inburgering-export/1`, described in docs/privacy.md):

- `person`: the profile row; `klantmanager`: who handles the file (id and name);
- `data`: every other row about the person, per table, with the stored columns (the same rows erasure
  deletes: consent events, conversations, messages, outbox rows, attendances, reminders, tasks,
  escalations, broadcast recipients, and any table added later), plus `appointment`: every appointment
  they take part in (group appointments without the other participants);
- `auditTrail`: who read or changed their file, and when;
- `botTracker`: the events Rasa's tracker store holds of their conversations, or why there are none;
- `retention`: how long each kind is kept (the settings in force).

The person's own klantmanager exports; coordinators do not read conversations, the admin no personal
data. Audited.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.audit.models import AuditEvent
from api.auth import Principal
from api.db import utcnow
from api.messaging.rasa import sender_ids_of
from api.people import service as people
from api.people.models import Inburgeraar
from api.privacy import holdings
from api.privacy.tracker_store import TrackerStore
from api.settings import Settings
from api.staff.models import Role, Staff

FORMAT = "inburgering-export/1"
# Not the person's data: the code shown at the location to check in, a secret of the appointment.
HIDDEN_COLUMNS = {("appointment", "checkin_code")}


def export(db: Session, actor: Principal, person_id: int, settings: Settings) -> dict[str, Any]:
    """Everything we hold about one person (the klantmanager of their caseload, or an admin); audited."""
    actor.require(Role.klantmanager)
    person = people.get_inburgeraar(db, actor, person_id, action="export")
    found = holdings.of_person(db, person.id)
    data = {
        name: rows_of(db, name, found.rows.get(name, set()))
        for name in sorted(holdings.person_tables())
        if name != "inburgeraar"
    }
    data["appointment"] = rows_of(
        db, "appointment", found.rows.get("appointment", set()) | found.shared_appointments
    )
    document = {
        "format": FORMAT,
        "generatedAt": _value(utcnow()),
        "inburgeraarId": person.id,
        "person": rows_of(db, "inburgeraar", {person.id})[0],
        "klantmanager": _klantmanager(db, person),
        "data": data,
        "auditTrail": _audit_trail(db, found.rows),
        "botTracker": _tracker(db, person, settings),
        "retention": retention_terms(settings),
    }
    audit.record(db, actor, "export", "inburgeraar", person.id, rows={k: len(v) for k, v in data.items()})
    return document


def rows_of(db: Session, table_name: str, keys: set[Any]) -> list[dict[str, Any]]:
    """The rows as stored (JSON-safe), in key order."""
    table = holdings.tables()[table_name]
    key = holdings.primary_key(table)
    rows: list[dict[str, Any]] = []
    for chunk in holdings.chunks(keys):
        for row in db.execute(select(table).where(key.in_(chunk)).order_by(key)):
            rows.append(
                {
                    column: _value(value)
                    for column, value in row._mapping.items()
                    if (table_name, column) not in HIDDEN_COLUMNS
                }
            )
    return rows


def _value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def _klantmanager(db: Session, person: Inburgeraar) -> dict[str, Any] | None:
    staff = db.get(Staff, person.klantmanager_id) if person.klantmanager_id else None
    return {"id": staff.id, "name": staff.name} if staff else None


def _audit_trail(db: Session, rows: holdings.Rows) -> list[dict[str, Any]]:
    events = db.scalars(select(AuditEvent).where(holdings.about(rows)).order_by(AuditEvent.id))
    return [
        {
            "at": _value(e.at),
            "actor": e.actor,
            "action": e.action,
            "objectType": e.object_type,
            "objectId": e.object_id,
            "result": e.result,
        }
        for e in events
    ]


def _tracker(db: Session, person: Inburgeraar, settings: Settings) -> dict[str, Any]:
    store = TrackerStore.of(settings)
    if store is None:
        return {"status": "not_configured", "events": []}
    try:
        return {"status": "included", "events": store.events_of(sender_ids_of(db, person))}
    except SQLAlchemyError:
        return {"status": "unavailable", "events": []}
    finally:
        store.close()


def retention_terms(settings: Settings) -> dict[str, int]:
    """How long each kind of data is kept, as configured (docs/privacy.md explains each)."""
    return {
        "chatDays": settings.retention_chat_days,
        "absenceAppealDays": settings.retention_absence_appeal_days,
        "absenceUnassessedDays": settings.retention_absence_unassessed_days,
        "caseFileYears": settings.retention_case_file_years,
        "auditDays": settings.retention_audit_days,
    }


def download_headers(person_id: int) -> dict[str, str]:
    """The export is a file to save, never to cache (the API's and the staff UI's download alike)."""
    return {
        "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="gegevens-inburgeraar-{person_id}.json"',
    }
