"""Internal notes on a person's conversation: written by a klantmanager, never sent to the person.

Who may write one is who may answer the person (their klantmanager); the notes are read with the
conversation (`api.web.conversations.view` after `service.list_messages` allowed and audited that read).
They follow the chat retention (api.privacy.purge) and go with the person on erasure (a foreign key).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.auth import Principal
from api.errors import InvalidInput
from api.messaging.models import ConversationNote
from api.people.service import get_inburgeraar
from api.staff.models import Role

MAX_NOTE_CHARS = 2000


def add_note(db: Session, actor: Principal, inburgeraar_id: int, body: str) -> ConversationNote:
    """A note on the person's conversation by their klantmanager; audited (without its text)."""
    audit.require_role(
        db, actor, Role.klantmanager, action="note", object_type="conversation", object_id=inburgeraar_id
    )
    person = get_inburgeraar(db, actor, inburgeraar_id, action="note")
    body = (body or "").strip()
    if not body:
        raise InvalidInput("write the note", field="note")
    if len(body) > MAX_NOTE_CHARS:
        raise InvalidInput(f"a note has at most {MAX_NOTE_CHARS} characters", field="note")
    note = ConversationNote(inburgeraar_id=person.id, staff_id=actor.staff_id, body=body)
    db.add(note)
    db.flush()
    audit.record(db, actor, "note", "conversation", person.id, note_id=note.id)
    return note


def notes_on(db: Session, inburgeraar_id: int) -> list[ConversationNote]:
    """The notes on a person's conversation, oldest first. For a caller already allowed to read it."""
    return list(
        db.scalars(
            select(ConversationNote)
            .where(ConversationNote.inburgeraar_id == inburgeraar_id)
            .order_by(ConversationNote.id)
        )
    )
