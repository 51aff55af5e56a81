"""A klantmanager's reply to a person: the rules (caseload, consent, length), the outbox row, the audit.

A reply the klantmanager writes is signed with their first name (`- Fatima`): the person texts one number
where the assistant answers too, and should know a person wrote this, and who. A first name is enough to
recognise (the canned replies already end with the klantmanager's name) and costs a few GSM-7 characters.
A machine-translated reply also says so, in the person's language (`MACHINE_TRANSLATED`, ADR 0018).
"""

from __future__ import annotations

import structlog
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.auth import Principal
from api.errors import Conflict, InvalidInput
from api.i18n.catalog import N_, render
from api.i18n.formatting import isolate
from api.messaging import service as messaging
from api.messaging.models import Message, MessageKind
from api.people import number_dispute
from api.people.models import Inburgeraar
from api.staff.models import Role
from api.tasks import service as tasks
from api.tasks import visibility
from api.tasks.models import EscalationStatus

log = structlog.get_logger()

MAX_REPLY_CHARS = 1600  # Twilio's limit for one message body
# Ends every machine-translated reply, in the person's language: short, and GSM-7 in nl/en/so (ADR 0008).
MACHINE_TRANSLATED = N_("Vertaald door een computer")


def first_name(name: str) -> str:
    return name.split()[0] if name.strip() else ""


def signed(text: str, staff_name: str) -> str:
    """A reply as the klantmanager wrote it, signed with their first name."""
    name = first_name(staff_name)
    return f"{text.strip()}\n- {name}" if name else text.strip()


def signed_translation(translation: str, language: str, staff_name: str) -> str:
    """A machine-translated reply: the translation, then "(translated by a computer) - Fatima"."""
    label = render(language, MACHINE_TRANSLATED)
    name = first_name(staff_name)
    return f"{translation.strip()}\n({label})" + (f" - {isolate(language, name)}" if name else "")


def replyable_person(db: Session, actor: Principal, inburgeraar_id: int) -> Inburgeraar:
    """The person a klantmanager may answer: in their caseload (or their open question held by the caller,
    ADR 0019), not opted out, and whose number is not said to be someone else's (Conflict otherwise)."""
    audit.require_role(
        db, actor, Role.klantmanager, action="reply", object_type="inburgeraar", object_id=inburgeraar_id
    )
    person = visibility.conversation_person(db, actor, inburgeraar_id, action="reply")
    if person.opted_out:
        raise Conflict("this person sent STOP; reach them another way", code="opted_out")
    if number_dispute.is_disputed(person):
        raise Conflict(
            "whoever has this number wrote that it is not this person's; check the number another way",
            code="number_disputed",
        )
    return person


def send_free_text(db: Session, actor: Principal, person: Inburgeraar, text: str) -> Message:
    """Queue a reply the klantmanager wrote, as written and signed with their first name."""
    if not (text or "").strip():
        raise InvalidInput("write a reply or choose a canned reply", field="text")
    return send_staff_reply(db, actor, person, signed(text, actor.name))


def send_staff_reply(
    db: Session,
    actor: Principal,
    person: Inburgeraar,
    body: str,
    *,
    language: str | None = None,
    canned_key: str | None = None,
) -> Message:
    """Queue a klantmanager's reply in the caller's transaction; sent by the outbox after commit.

    An open escalation is claimed by whoever answers, so two colleagues do not both pick it up.
    """
    body = body.strip()
    if not body:
        raise InvalidInput("write a reply or choose a canned reply", field="text")
    if len(body) > MAX_REPLY_CHARS:
        raise InvalidInput(f"a reply has at most {MAX_REPLY_CHARS} characters", field="text", code="too_long")
    conversation = messaging.conversation_for(db, person)
    message = messaging.queue_outbound(
        db, conversation, body, kind=MessageKind.staff_reply, language=language, staff_id=actor.staff_id
    )
    escalation = tasks.active_escalation(db, conversation.id)
    if escalation is not None:
        tasks.note_reply(escalation)
        if escalation.status == EscalationStatus.open:
            tasks.claim(db, actor, escalation.id)
    audit.record(db, actor, "reply", "conversation", person.id, message_id=message.id, canned=canned_key)
    log.info("staff_reply_queued", message_id=message.id, inburgeraar_id=person.id, canned=canned_key)
    return message
