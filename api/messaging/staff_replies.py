"""A klantmanager's reply to a person: the rules (caseload, consent, length), the outbox row, the audit."""

from __future__ import annotations

import structlog
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.auth import Principal
from api.errors import Conflict, InvalidInput
from api.messaging import service as messaging
from api.messaging.models import Message, MessageKind
from api.people.models import Inburgeraar
from api.staff.models import Role
from api.tasks import service as tasks
from api.tasks import visibility
from api.tasks.models import EscalationStatus

log = structlog.get_logger()

MAX_REPLY_CHARS = 1600  # Twilio's limit for one message body


def replyable_person(db: Session, actor: Principal, inburgeraar_id: int) -> Inburgeraar:
    """The person a klantmanager may answer: in their caseload (or their open question held by the caller,
    ADR 0019), and not opted out (Conflict otherwise)."""
    audit.require_role(
        db, actor, Role.klantmanager, action="reply", object_type="inburgeraar", object_id=inburgeraar_id
    )
    person = visibility.conversation_person(db, actor, inburgeraar_id, action="reply")
    if person.opted_out:
        raise Conflict("this person sent STOP; reach them another way", code="opted_out")
    return person


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
    if escalation is not None and escalation.status == EscalationStatus.open:
        tasks.claim(db, actor, escalation.id)
    audit.record(db, actor, "reply", "conversation", person.id, message_id=message.id, canned=canned_key)
    log.info("staff_reply_queued", message_id=message.id, inburgeraar_id=person.id, canned=canned_key)
    return message
