"""What a message that will not arrive means for the person and their klantmanager (outbox listeners)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.messaging.models import MessageKind
from api.messaging.outbox import DeliveryFailure
from api.people import consent
from api.tasks import service as tasks
from api.tasks.models import TaskKind
from api.twilio import errors as provider_errors

# Kinds a klantmanager must hear about when they cannot be delivered (broadcasts would flood the inbox).
TASK_ON_FAILURE = frozenset({MessageKind.reminder, MessageKind.notice, MessageKind.staff_reply})


def record_opt_out(db: Session, failure: DeliveryFailure) -> None:
    """21610: the person sent STOP to Twilio, which now blocks the number; record the opt-out here too."""
    if failure.code == provider_errors.OPTED_OUT:
        consent.opt_out(db, failure.person, source="provider_21610")


def open_undeliverable_task(db: Session, failure: DeliveryFailure) -> None:
    """Reminders, notices and staff replies that cannot be delivered become a call for the klantmanager."""
    if failure.code == provider_errors.OPTED_OUT or failure.message.kind not in TASK_ON_FAILURE:
        return
    tasks.open_task(
        db,
        TaskKind.undeliverable,
        inburgeraar=failure.person,
        appointment_id=failure.message.appointment_id,
        conversation_id=failure.conversation.id,
        detail=f"message_id={failure.message.id} code={failure.code}",
    )
