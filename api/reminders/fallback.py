"""The SMS fallback: a WhatsApp message that failed is sent again by SMS when the municipality allows it.

An outbox listener (registered by api.wiring). A reminder or notice is re-rendered in its SMS layout, so
it keeps to the SMS budget (ADR 0008); any other message goes out with its text as it was.
"""

from __future__ import annotations

import structlog
from sqlalchemy.orm import Session

from api.messaging import service as messaging
from api.messaging.models import Channel, MessageKind
from api.messaging.outbox import DeliveryFailure
from api.reminders.scheduler import sms_text_for

log = structlog.get_logger()


def send_by_sms(db: Session, failure: DeliveryFailure) -> None:
    """Queue an SMS copy of a failed WhatsApp message (costs an SMS; off unless WHATSAPP_SMS_FALLBACK)."""
    settings = failure.settings
    if settings is None or not settings.whatsapp_sms_fallback or failure.channel != Channel.whatsapp:
        return
    if failure.opted_out:
        return
    message = failure.message
    body = message.body
    if message.kind in (MessageKind.reminder, MessageKind.notice):
        body = sms_text_for(db, message) or body
    copy = messaging.queue_outbound(
        db,
        failure.conversation,
        body,
        kind=message.kind,
        channel=Channel.sms,
        language=message.language,
        appointment_id=message.appointment_id,
        staff_id=message.staff_id,
    )
    log.info("whatsapp_fallback_to_sms", message_id=message.id, fallback_message_id=copy.id)
