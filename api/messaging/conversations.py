"""Which conversation: the one home of the rule that a conversation belongs to a person AND a number.

- A person's current conversation is their open one on their current number (`conversation_for`).
- A number's open conversation carries on only while the number has the same holder
  (`conversation_of_number`); an unknown number's conversation has no person, and nothing is ever
  adopted because a number matches.
- Anything that no longer fits is closed, never re-used: the person's conversation on an old number, or a
  conversation on a number that now belongs to someone else. Staff read the whole history
  (`conversation_ids_of`); new traffic only ever goes to the current number.
- A phone change (`on_phone_changed`, a listener on `people.service.phone_changed`) closes the old
  conversation at once; what it still owed the person (unsent messages, an open question for staff)
  moves to a conversation on the new number.
- An unknown number becomes a person's only by an explicit, audited staff action (`link_unknown_number`,
  the task "Onbekend nummer koppelen"): its conversation joins the person's history, closed, and the
  number becomes the person's current one.

Two processes that start the same conversation at once collide on the partial unique indexes (one open
conversation per number, one per person); the loser's transaction fails and its caller retries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import structlog
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.auth import Principal
from api.db import utcnow
from api.errors import Conflict
from api.messaging.models import (
    Channel,
    CloseReason,
    Conversation,
    Message,
    OutboxItem,
    OutboxStatus,
)
from api.people import number_dispute
from api.people.models import Inburgeraar
from api.people.schemas import InburgeraarUpdate
from api.people.service import find_by_phone, get_inburgeraar, update_inburgeraar
from api.tasks import service as tasks
from api.tasks.models import TaskKind

log = structlog.get_logger()

IN_CHUNK = 5000  # values per IN (...) list: far below SQLite's and PostgreSQL's parameter limits
UNSENT = (OutboxStatus.pending, OutboxStatus.held)


def address(conversation: Conversation, channel: str) -> str:
    """The `To` of a message on this channel."""
    return f"whatsapp:{conversation.phone}" if channel == Channel.whatsapp else conversation.phone


def _chunks(people: Sequence[Inburgeraar]) -> Iterable[Sequence[Inburgeraar]]:
    for i in range(0, len(people), IN_CHUNK):
        yield people[i : i + IN_CHUNK]


def current_conversations(
    db: Session, people: Sequence[Inburgeraar], *, start_missing: bool = False
) -> dict[int, Conversation]:
    """Each person's open conversation on their current number, by person id, in a few queries.

    With `start_missing`, the missing ones are started (see `_start`); without it they are left out.
    """
    found: dict[int, Conversation] = {}
    for chunk in _chunks(people):
        phone_of = {p.id: p.phone for p in chunk}
        for conversation in db.scalars(
            select(Conversation).where(
                Conversation.closed_at.is_(None), Conversation.inburgeraar_id.in_(list(phone_of))
            )
        ):
            person_id = conversation.inburgeraar_id
            if person_id is not None and conversation.phone == phone_of[person_id]:
                found[person_id] = conversation
    if start_missing:
        missing = [p for p in people if p.id not in found]
        found.update(_start(db, missing))
    return found


def conversation_for(db: Session, person: Inburgeraar) -> Conversation:
    """The person's conversation on their current number (started, in the caller's transaction, if none)."""
    return current_conversations(db, [person], start_missing=True)[person.id]


def open_conversation(db: Session, person: Inburgeraar) -> Conversation | None:
    """The person's conversation on their current number, or None; starts nothing (for reading)."""
    return current_conversations(db, [person]).get(person.id)


def conversation_of_number(db: Session, phone: str, holder: Inburgeraar | None, channel: str) -> Conversation:
    """Where a message from `phone` belongs: its holder's current conversation, or the unknown number's own.

    A conversation still open on the number for someone who no longer has it is closed first: the number
    became unknown, and what it sends from now on must not reach that person's file.
    """
    if holder is not None:
        return conversation_for(db, holder)
    conversation = db.scalar(
        select(Conversation).where(Conversation.phone == phone, Conversation.closed_at.is_(None))
    )
    if conversation is not None and conversation.inburgeraar_id is None:
        return conversation
    if conversation is not None:
        _close(conversation, CloseReason.number_changed)
        db.flush()  # before the new one takes the number (one open conversation per number)
    conversation = Conversation(phone=phone, last_channel=channel)
    db.add(conversation)
    db.flush()
    log.info("conversation_started", conversation_id=conversation.id, known=False)
    return conversation


def conversation_ids_of(db: Session, person_id: int) -> list[int]:
    """All of the person's conversations, open or closed, oldest first: their whole history for staff."""
    return list(
        db.scalars(
            select(Conversation.id).where(Conversation.inburgeraar_id == person_id).order_by(Conversation.id)
        )
    )


def on_phone_changed(db: Session, person: Inburgeraar, old_phone: str) -> None:
    """The person's number changed: their conversation on the old number ends now, so from this moment
    that number is unknown; the next message to or from the new number starts a conversation there.

    What the old conversation still owed the person goes to the new number at once: messages waiting to
    be sent (pending or held) and an open question for staff (the klantmanager keeps the conversation).
    Only then is the new conversation started here: a first message from the new number arriving at this
    very moment (at another process) would otherwise collide with this save.
    """
    old = db.scalar(
        select(Conversation).where(
            Conversation.inburgeraar_id == person.id,
            Conversation.phone == old_phone,
            Conversation.closed_at.is_(None),
        )
    )
    if old is None:
        return
    unsent = _unsent(db, old)
    if not unsent and tasks.active_escalation(db, old.id) is None:
        _close(old, CloseReason.number_changed)
        return
    new = conversation_for(db, person)  # closes the old one
    _move(db, unsent, new)
    tasks.move_escalations(db, old.id, new.id)
    log.info("conversation_moved_to_new_number", old_id=old.id, new_id=new.id, unsent_moved=len(unsent))


def link_unknown_number(db: Session, actor: Principal, task_id: int, inburgeraar_id: int) -> Conversation:
    """Staff established whose the unknown number is: it becomes that person's number.

    Only through the task "Onbekend nummer koppelen", by a klantmanager who may change the person's file
    (their own caseload) and may act on the task. The unknown number's conversation joins the person's
    history (closed: `linked`), so their klantmanager reads what was written before the link; the phone
    change then runs as any other (audited, the old number's conversation closed); an open question for
    staff moves to the person's conversation on the number, and the task is done. Refused (409) when the
    number is no longer unknown, or when someone else has it by now.
    """
    task = tasks.task_to_act_on(db, actor, task_id, TaskKind.link_unknown_number)
    unknown = db.get(Conversation, task.conversation_id) if task.conversation_id is not None else None
    if unknown is None or unknown.inburgeraar_id is not None or unknown.closed_at is not None:
        raise Conflict("this number is no longer unknown", code="not_unknown", field="taskId")
    person = get_inburgeraar(db, actor, inburgeraar_id, action="update")
    holder = find_by_phone(db, unknown.phone)
    if holder is not None and holder.id != person.id:
        raise Conflict("another person has this number", code="number_taken", field="inburgeraarId")
    unknown.inburgeraar_id = person.id
    _close(unknown, CloseReason.linked)
    db.flush()  # closed before the person's conversation on the number starts (one open per number)
    if person.phone != unknown.phone:
        update_inburgeraar(db, actor, person.id, InburgeraarUpdate(phone=unknown.phone))
    current = conversation_for(db, person)
    tasks.move_escalations(db, unknown.id, current.id, inburgeraar_id=person.id)
    tasks.complete_task(db, actor, task.id)
    audit.record(
        db, actor, "link_number", "conversation", unknown.id, inburgeraar_id=person.id, task_id=task.id
    )
    log.info("unknown_number_linked", conversation_id=unknown.id, current_id=current.id)
    return current


def confirm_number(db: Session, actor: Principal, inburgeraar_id: int) -> Inburgeraar:
    """Staff checked with the person, another way, that the number whose holder wrote "not theirs" is
    theirs after all: messages go there again, and the task "Nummer nagaan" is done. Only a klantmanager
    who may change the person's file. (A number that is someone else's is changed in the file instead.)"""
    person = get_inburgeraar(db, actor, inburgeraar_id, action="update")
    if not number_dispute.confirm(db, actor, person):
        raise Conflict("this person's number is not in doubt", code="not_disputed")
    tasks.complete_tasks_about(
        db, actor, TaskKind.number_disputed, inburgeraar_id=person.id, appointment_id=None
    )
    return person


def unknown_numbers(db: Session, actor: Principal, conversation_ids: Iterable[int | None]) -> dict[int, str]:
    """The numbers of these conversations that are still an unknown number's (open, without a person), for
    staff to tell whose they are. A read of personal data: audited, naming the conversations shown."""
    wanted = sorted({i for i in conversation_ids if i is not None})
    if not wanted:
        return {}
    rows = db.execute(
        select(Conversation.id, Conversation.phone).where(
            Conversation.id.in_(wanted),
            Conversation.inburgeraar_id.is_(None),
            Conversation.closed_at.is_(None),
        )
    )
    numbers = {conversation_id: phone for conversation_id, phone in rows}
    if numbers:
        audit.record_read(db, actor, "conversation", part="unknown_numbers", conversations=sorted(numbers))
    return numbers


def _start(db: Session, people: Sequence[Inburgeraar]) -> dict[int, Conversation]:
    """Close what may not carry on, then open a conversation for each person on their current number.

    Closed: the person's open conversation on another number (they moved), and any other conversation
    open on their number (an unknown number's, or a previous holder's): nothing is adopted. A current
    one found here was started a moment ago by another process, and is used.
    """
    started: dict[int, Conversation] = {}
    for chunk in _chunks(people):
        person_of = {p.id: p for p in chunk}
        stale = db.scalars(
            select(Conversation).where(
                Conversation.closed_at.is_(None),
                or_(
                    Conversation.inburgeraar_id.in_(list(person_of)),
                    Conversation.phone.in_([p.phone for p in chunk]),
                ),
            )
        )
        for conversation in stale:
            person = person_of.get(conversation.inburgeraar_id or 0)
            if person is not None and conversation.phone == person.phone:
                started[person.id] = conversation
            elif person is not None:
                _close(conversation, CloseReason.number_changed)
            else:
                _close(conversation, CloseReason.number_reassigned)
    db.flush()  # the closes first: the new rows take the numbers the old ones held
    new = {
        p.id: Conversation(inburgeraar_id=p.id, phone=p.phone, language=p.language)
        for p in people
        if p.id not in started
    }
    db.add_all(new.values())
    db.flush()
    for conversation in new.values():
        log.info("conversation_started", conversation_id=conversation.id, known=True)
    return started | new


def _close(conversation: Conversation, reason: CloseReason) -> None:
    conversation.closed_at = utcnow()
    conversation.closed_reason = reason
    log.info("conversation_closed", conversation_id=conversation.id, reason=str(reason))


def _unsent(db: Session, conversation: Conversation) -> list[OutboxItem]:
    """The conversation's outbox rows not handed to the transport yet."""
    return list(
        db.scalars(
            select(OutboxItem)
            .join(Message, Message.id == OutboxItem.message_id)
            .where(Message.conversation_id == conversation.id, OutboxItem.status.in_(UNSENT))
        )
    )


def _move(db: Session, items: list[OutboxItem], new: Conversation) -> None:
    """These rows and their messages now belong to `new`, and go to its number."""
    for item in items:
        item.to = address(new, item.channel)
    if items:
        db.execute(
            update(Message)
            .where(Message.id.in_([item.message_id for item in items]))
            .values(conversation_id=new.id)
            .execution_options(synchronize_session=False)
        )
