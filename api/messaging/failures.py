"""What a message that will not arrive means for the person and their klantmanager (outbox listeners)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.messaging.models import MessageKind
from api.messaging.outbox import DeliveryFailure
from api.people import consent
from api.tasks import service as tasks
from api.tasks.models import TaskKind

# Kinds a klantmanager must hear about when they cannot be delivered (broadcasts would flood the inbox).
TASK_ON_FAILURE = frozenset({MessageKind.reminder, MessageKind.notice, MessageKind.staff_reply})


def record_opt_out(db: Session, failure: DeliveryFailure) -> None:
    """The person sent STOP to the provider (Twilio: 21610), which blocks the number now; record it too."""
    if failure.opted_out:
        consent.opt_out(db, failure.person, source="provider_21610")


def open_undeliverable_task(db: Session, failure: DeliveryFailure) -> None:
    """Reminders, notices and staff replies that cannot be delivered become a call for the klantmanager."""
    if failure.opted_out or failure.message.kind not in TASK_ON_FAILURE:
        return
    tasks.open_task(
        db,
        TaskKind.undeliverable,
        inburgeraar=failure.person,
        appointment_id=failure.message.appointment_id,
        conversation_id=failure.conversation.id,
        detail=f"message_id={failure.message.id} code={failure.code}",
    )
