"""Consent to automatic messages, changed in one place: by keyword, a delivery failure (21610) or staff.

Read at the call site as `consent.opt_out(db, person, source="keyword")`. Withdrawing consent announces
itself on `withdrawn`; the tasks package registers there (at start-up) to tell the klantmanager.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.audit import service as audit
from api.auth import BOT, Principal
from api.db import utcnow
from api.events import Hook
from api.people.models import ConsentEvent, ConsentState, Inburgeraar

# Listeners are called as listener(db: Session, person, source) after the change is recorded.
withdrawn = Hook("consent_withdrawn")


def opt_out(db: Session, person: Inburgeraar, *, source: str, actor: Principal = BOT) -> bool:
    """Stop automatic messages to `person`; returns False when they had opted out already."""
    changed = _change(db, person, ConsentState.opted_out, source, actor)
    if changed:
        withdrawn.emit(db, person, source)
    return changed


def opt_in(db: Session, person: Inburgeraar, *, source: str, actor: Principal = BOT) -> bool:
    """Send automatic messages to `person` again; returns False when nothing changed."""
    return _change(db, person, ConsentState.granted, source, actor)


def _change(db: Session, person: Inburgeraar, state: ConsentState, source: str, actor: Principal) -> bool:
    if person.consent_state == state:
        return False
    person.consent_state = state
    person.consent_changed_at = utcnow()
    db.add(ConsentEvent(inburgeraar_id=person.id, state=state, source=source))
    audit.record(db, actor, "consent", "inburgeraar", person.id, state=state, source=source)
    return True
