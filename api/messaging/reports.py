"""Delivery reports: what a provider's report of one sent message does to its outbox row and message.

The provider's webhook (api.twilio.webhooks) translates the report into our DeliveryStatus; the rules
here are ours: the status only moves forward, and a failure is recorded once (its listeners act on it).
"""

from __future__ import annotations

import structlog
from sqlalchemy import select

from api.db import Database
from api.messaging import outbox
from api.messaging.models import DeliveryStatus, OutboxItem, OutboxStatus
from api.settings import Settings

log = structlog.get_logger()


def apply_report(
    database: Database,
    settings: Settings,
    outbox_id: int | None,
    sid: str | None,
    new: str | None,
    error_code: str | None,
    *,
    reported: str | None,
) -> str:
    """Record one delivery report in its own transaction; returns what happened (for logs and tests).

    `new` is our status for the report (None: it says nothing about delivery); `reported` is the
    provider's own word, for the log. The row is found by the outbox id we gave the provider, else by
    the provider's message id.
    """
    with database.session() as db:
        item = db.get(OutboxItem, outbox_id) if outbox_id is not None else None
        if item is None and sid:
            item = db.scalar(select(OutboxItem).where(OutboxItem.provider_sid == sid).limit(1))
        if item is None:
            log.info("status_callback_unknown_outbox", outbox_id=outbox_id)
            return "unknown"
        if sid and item.provider_sid and item.provider_sid != sid:
            log.warning("status_callback_sid_mismatch", outbox_id=item.id)
            return "mismatch"
        if sid and not item.provider_sid:
            item.provider_sid = sid  # the send's answer may have been lost; now we know the provider has it
        if new in (DeliveryStatus.failed, DeliveryStatus.undelivered):
            if item.status != OutboxStatus.failed:
                outbox.record_final_failure(db, settings, item, error_code or "unknown", new_status=new)
            result = new
        elif new is not None:
            moved = outbox.mark_message(db, item.message_id, new)
            result = new if moved else "ignored"
        else:
            result = "ignored"
        db.commit()
        log.info("status_callback", outbox_id=item.id, reported=reported, result=result)
        return result
