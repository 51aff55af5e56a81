"""Erasure (AVG art. 17): the person, and every row we hold about them, in one transaction.

What goes: the rows `holdings.of_person` finds (profile, consent events, conversations with their
messages and outbox rows, attendances, appointments nobody else takes part in, reminders, tasks,
escalations, broadcast recipients), the person's id in broadcast lists, and — after commit — their
events in Rasa's tracker store. What stays, minimised: the audit events about those rows, without their
details (who did what when, for the audit retention period), and the erasure's own audit event (reason
and counts, no personal data). Group appointments stay for the other participants.

Coordinators erase (a klantmanager asks them; the admin reads no personal data): erasing destroys a
case file, so it takes a second person. The purge erases a person whose case file's term has passed,
with reason `retention`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.audit.models import AuditEvent
from api.auth import Principal
from api.broadcasts.models import Broadcast, BroadcastStatus
from api.db import utcnow
from api.errors import InvalidInput
from api.messaging.rasa import sender_ids_of
from api.people import service as people
from api.people.models import Inburgeraar
from api.privacy import holdings, tracker_store
from api.settings import Settings
from api.staff.models import Role


class ErasureReason(StrEnum):
    request = "request"  # the person asked (AVG art. 17)
    registered_in_error = "registered_in_error"  # never should have been in the file (or twice)
    retention = "retention"  # the purge: the case file's term after the obligation has passed


STAFF_REASONS = (ErasureReason.request, ErasureReason.registered_in_error)


@dataclass
class Erasure:
    person_id: int
    reason: str
    rows: dict[str, int] = field(default_factory=dict)
    audit_events_minimised: int = 0
    tracker_senders: list[str] = field(default_factory=list)  # queued for deletion from Rasa's store
    tracker_senders_pending: int = 0

    @property
    def tracker_senders_queued(self) -> int:
        return len(self.tracker_senders)


def erase_and_commit(
    db: Session, actor: Principal, person_id: int, reason: str, settings: Settings
) -> Erasure:
    """`erase` and commit it; then Rasa's tracker store forgets the conversations too (`after_commit`),
    committed as well. What the API and the staff UI call."""
    result = erase(db, actor, person_id, reason, settings)
    db.commit()
    after_commit(db, settings, result)
    db.commit()
    return result


def erase(db: Session, actor: Principal, person_id: int, reason: str, settings: Settings) -> Erasure:
    """Erase a person at a coordinator's request; audited with reason and counts.

    The caller commits, then calls `after_commit` so Rasa's tracker store forgets the conversations too.
    """
    actor.require(Role.coordinator)
    if reason not in STAFF_REASONS:
        raise InvalidInput("reason must be request or registered_in_error", field="reason")
    person = people.get_inburgeraar(db, actor, person_id, action="erase")
    result = erase_person(db, person, reason, settings)
    audit.record(
        db,
        actor,
        "erase",
        "inburgeraar",
        person_id,
        reason=reason,
        rows=result.rows,
        tracker_senders=result.tracker_senders_queued,
    )
    return result


def erase_person(db: Session, person: Inburgeraar, reason: str, settings: Settings) -> Erasure:
    """Delete the person's rows (no authorisation, no audit event of its own: the callers write those)."""
    found = holdings.of_person(db, person.id)
    senders = sender_ids_of(db, person)  # before the rows it may read are gone
    minimised = db.execute(
        update(AuditEvent)
        .where(holdings.about(found.rows), AuditEvent.detail.is_not(None))
        .values(detail=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    _drop_from_broadcast_lists(db, person.id)
    rows = holdings.delete_rows(db, found.rows)
    if not settings.rasa_tracker_store_url:
        senders = []
    tracker_store.queue_erasure(db, senders)
    return Erasure(person.id, reason, rows, minimised, senders, len(senders))


def after_commit(db: Session, settings: Settings, erasure: Erasure) -> Erasure:
    """Delete the erased person's tracker events now; what Rasa's store does not take stays queued for the
    worker (the caller commits again)."""
    tracker_store.erase_pending(db, settings)
    erasure.tracker_senders_pending = tracker_store.pending(db, erasure.tracker_senders)
    return erasure


def _drop_from_broadcast_lists(db: Session, person_id: int) -> None:
    """A list audience names people by id; the id goes, and a scheduled list left empty is cancelled."""
    for broadcast in db.scalars(select(Broadcast)):
        rule = broadcast.audience or {}
        ids = rule.get("inburgeraarIds")
        if rule.get("type") != "list" or not ids or person_id not in ids:
            continue
        remaining = [i for i in ids if i != person_id]
        broadcast.audience = {**rule, "inburgeraarIds": remaining}
        if not remaining and broadcast.status == BroadcastStatus.scheduled:
            broadcast.status = BroadcastStatus.cancelled
            broadcast.cancelled_at = utcnow()
