"""Conversations and messages: the record of what was said, and the outbox for what must go out."""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.auth import Principal
from api.db import utcnow
from api.i18n import segments
from api.i18n.catalog import N_
from api.messaging import provider
from api.messaging.conversations import (
    address,
    conversation_for,
    conversation_ids_of,
    current_conversations,
    open_conversation,
)
from api.messaging.models import (
    Channel,
    Conversation,
    DeliveryStatus,
    Direction,
    Message,
    MessageKind,
    OutboxItem,
    OutboxStatus,
)
from api.people import number_dispute
from api.people.models import Inburgeraar
from api.staff.models import Role
from api.tasks import visibility

log = structlog.get_logger()


def preferred_channel(conversation: Conversation, person: Inburgeraar | None) -> str:
    """Answer on the channel the person last used; otherwise WhatsApp when they opted in, else SMS."""
    if conversation.last_inbound_at is not None:
        return conversation.last_channel
    if person is not None and person.whatsapp_opt_in:
        return Channel.whatsapp
    return Channel.sms


AUTOMATIC_KINDS = frozenset({MessageKind.reminder, MessageKind.broadcast, MessageKind.notice})
NOT_SENT_OPTED_OUT = N_("Niet verstuurd: de persoon heeft zich afgemeld voor automatische berichten.")
# Marks the reply to a crisis (its `intent`): it goes to the number that wrote even when that number's
# conversation has closed since, because it holds nothing about the person and must never be held back.
CRISIS_REPLY = "reply:crisis"
NOT_SENT_NUMBER_CHANGED = N_("Niet verstuurd: het telefoonnummer is veranderd of hoort nu bij iemand anders.")
# Marks the reply to whoever wrote that the person's number is not theirs (api.people.number_dispute): it
# says nothing about the person, so it goes out while everything else to the number is held.
NUMBER_DISPUTED_REPLY = "reply:number_disputed"
# The replies that go to a number whatever we know of it: they name no one and hold nothing of a case.
ABOUT_NO_ONE = frozenset({CRISIS_REPLY, NUMBER_DISPUTED_REPLY})
NOT_SENT_NUMBER_DISPUTED = N_(
    "Niet verstuurd: wie dit nummer nu heeft, schreef dat het niet van de persoon is. Controleer het nummer."
)
WHATSAPP_WAITING = N_("Je hebt een nieuw bericht van de gemeente. Stuur een bericht terug om het te lezen.")


def _held_automatic(person: Inburgeraar) -> tuple[str, str] | None:
    """Why an automatic message to `person` is not sent at all (code, meaning for staff), or None."""
    if person.opted_out:
        return "opted_out", NOT_SENT_OPTED_OUT
    if number_dispute.is_disputed(person):
        return "number_disputed", NOT_SENT_NUMBER_DISPUTED
    return None


def queue_outbound(
    db: Session,
    conversation: Conversation,
    body: str,
    *,
    kind: str,
    channel: str | None = None,
    language: str | None = None,
    appointment_id: int | None = None,
    staff_id: int | None = None,
    not_before: datetime | None = None,
    template_values: dict[str, str] | None = None,
) -> Message:
    """Record an outgoing message and its outbox row in the current transaction.

    Nothing is sent here: a worker hands the outbox row to the transport after commit, so a rollback
    also cancels the send, and a crash after commit cannot lose it.

    Automatic kinds (reminder, broadcast, notice) to a person who opted out are recorded as `cancelled`
    and never reach the outbox. WhatsApp messages outside the 24-hour window go out as the approved
    template for `kind` when one exists in the person's language and `template_values` fills its
    variables; otherwise they are held (see `provider.apply_whatsapp_rules`).
    """
    person = db.get(Inburgeraar, conversation.inburgeraar_id) if conversation.inburgeraar_id else None
    channel = channel or preferred_channel(conversation, person)
    info = segments.count(body)
    message = Message(
        conversation_id=conversation.id,
        direction=Direction.outbound,
        channel=channel,
        kind=kind,
        body=body,
        language=language or conversation.language,
        status=DeliveryStatus.queued,
        segments=info.segments,
        encoding=info.encoding,
        appointment_id=appointment_id,
        staff_id=staff_id,
    )
    db.add(message)
    if kind in AUTOMATIC_KINDS and person is not None and (held := _held_automatic(person)) is not None:
        message.status = DeliveryStatus.cancelled
        message.error_code, message.error_message = held
        db.flush()
        log.info("outbound_suppressed", message_id=message.id, conversation_id=conversation.id, code=held[0])
        return message
    db.flush()
    item = OutboxItem(
        message_id=message.id,
        to=address(conversation, channel),
        channel=channel,
        body=body,
        content_variables={"_values": template_values} if template_values else None,
        status=OutboxStatus.pending,
        next_attempt_at=not_before or utcnow(),
    )
    db.add(item)
    db.flush()
    if channel == Channel.whatsapp and item.next_attempt_at <= utcnow():
        provider.apply_whatsapp_rules(db, conversation, message, item)
    return message


def list_messages(db: Session, actor: Principal, inburgeraar_id: int) -> list[Message]:
    """The person's whole history in order, over every number they had, for their own klantmanager (and a
    colleague who holds their open question, ADR 0019); every read is audited. Coordinators plan and send
    broadcasts: they see delivery counts (api.broadcasts), never contents."""
    audit.require_role(
        db, actor, Role.klantmanager, action="read", object_type="conversation", object_id=inburgeraar_id
    )
    person = visibility.conversation_person(db, actor, inburgeraar_id)
    audit.record_read(db, actor, "conversation", inburgeraar_id)
    return list(
        db.scalars(
            select(Message)
            .where(Message.conversation_id.in_(conversation_ids_of(db, person.id)))
            .order_by(Message.id)
        )
    )


__all__ = [
    "MessageKind",
    "address",
    "conversation_for",
    "current_conversations",
    "list_messages",
    "open_conversation",
    "queue_outbound",
]
