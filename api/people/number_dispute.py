"""A person's number said to be someone else's now: nothing about the person goes there until staff check.

Numbers are recycled. When whoever has the person's number writes that it is not theirs ("wrong number",
"I don't know this person", "I just got this number"), the gateway calls `dispute`: from that moment no
reminder, broadcast, notice, bot answer or staff reply reaches the number (reachability and the outbox read
`phone_disputed_at`), and the klantmanager gets a task (a listener on `disputed`). Only staff end it: they
check with the person another way, then either confirm the number (`confirm`) or change it (a phone change
clears the dispute, `people.service.update_inburgeraar`). Nothing here touches consent: the person did not
ask to stop, someone else's message must not switch their reminders off for good.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.audit import service as audit
from api.auth import BOT, Principal
from api.db import utcnow
from api.events import Hook
from api.people.models import Inburgeraar

# Listeners are called as listener(db: Session, person, conversation_id, message_id) after the dispute is
# recorded; the tasks package registers there (at start-up) to tell the klantmanager.
disputed = Hook("number_disputed")


def is_disputed(person: Inburgeraar) -> bool:
    return person.phone_disputed_at is not None


def dispute(db: Session, person: Inburgeraar, *, conversation_id: int, message_id: int) -> bool:
    """Hold everything to the person's number; returns False when it was held already."""
    if is_disputed(person):
        return False
    person.phone_disputed_at = utcnow()
    audit.record(
        db,
        BOT,
        "dispute_number",
        "inburgeraar",
        person.id,
        conversation_id=conversation_id,
        message_id=message_id,
    )
    disputed.emit(db, person, conversation_id, message_id)
    return True


def number_changed(person: Inburgeraar) -> None:
    """The person's number changed (people.service, audited there as the update): a dispute was about the
    old number, so it ends."""
    person.phone_disputed_at = None


def confirm(db: Session, actor: Principal, person: Inburgeraar) -> bool:
    """Staff checked with the person that the number is theirs: messages go there again."""
    if not is_disputed(person):
        return False
    person.phone_disputed_at = None
    audit.record(db, actor, "confirm_number", "inburgeraar", person.id)
    return True
