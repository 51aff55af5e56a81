"""What the staff UI's privacy page shows of one person: how much we hold, what is held back, until when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from api.audit import service as audit
from api.auth import Principal
from api.db import utcnow
from api.people import service as people
from api.people.models import Inburgeraar
from api.privacy import holdings
from api.privacy.retention import Policy, held_participations
from api.settings import Settings
from api.staff.models import Role


@dataclass(frozen=True)
class Overview:
    person: Inburgeraar
    messages: int
    appointments: int
    reminders: int
    tasks: int
    pending_assessments: int  # participations whose evidence an assessment still needs
    case_file_until: date | None  # the last day before the purge erases the person
    chat_days: int
    case_file_years: int


def overview(db: Session, actor: Principal, person_id: int, settings: Settings) -> Overview:
    """Counts and terms for one person (their klantmanager, coordinators); the read is audited."""
    actor.require(Role.klantmanager, Role.coordinator)
    person = people.get_inburgeraar(db, actor, person_id)
    found = holdings.of_person(db, person.id)
    policy = Policy.of(settings, utcnow())
    ended = person.obligation_ended_on
    audit.record(db, actor, "read_privacy", "inburgeraar", person.id)
    return Overview(
        person=person,
        messages=found.count("message"),
        appointments=found.count("appointment") + len(found.shared_appointments),
        reminders=found.count("reminder"),
        tasks=found.count("task") + found.count("escalation"),
        pending_assessments=len(held_participations(db, policy, person.id)),
        case_file_until=policy.case_file_ends(ended) if ended else None,
        chat_days=settings.retention_chat_days,
        case_file_years=settings.retention_case_file_years,
    )
