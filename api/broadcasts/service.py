"""Broadcasts: choose an audience and a catalog template, preview it per language, send it as previewed.

This module previews, schedules, reads and cancels broadcasts; the stages live next to it: `audience`
(who), `templates` (the catalog and filling it in), `timing` (when, and the checks on it), `previews`
(the preview record that is what gets sent), `pricing` (segments and cost per language and channel) and
`sending` (`dispatch_due` and the message per recipient). Their public functions are re-exported here
for the routes, the web console and the worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.auth import Principal
from api.broadcasts import previews
from api.broadcasts.audience import Picked, authorize_audience, pick, recipients
from api.broadcasts.models import Broadcast, BroadcastRecipient, BroadcastStatus, RecipientStatus
from api.broadcasts.pricing import Line, Prices, prices, summary
from api.broadcasts.schemas import BroadcastCreate, BroadcastDraft
from api.broadcasts.sending import dispatch, dispatch_due, stats
from api.broadcasts.templates import TEMPLATES, VARIABLE_TYPES, Renderer, check_variables, template_for
from api.broadcasts.timing import send_time
from api.db import utcnow
from api.errors import Conflict, NotFound
from api.messaging.models import Message
from api.people.models import Inburgeraar
from api.reminders.policy import Policy, load_policy
from api.settings import Settings
from api.staff.models import CASE_ROLES, Role

__all__ = [
    "TEMPLATES",
    "Detail",
    "Line",
    "Picked",
    "Prices",
    "Renderer",
    "authorize_audience",
    "cancel",
    "check_variables",
    "create",
    "dispatch",
    "dispatch_due",
    "get",
    "list_broadcasts",
    "pick",
    "preview",
    "preview_out",
    "prices",
    "read",
    "read_detail",
    "recipients",
    "send_time",
    "stats",
    "template_for",
    "templates",
    "to_out",
]
log = structlog.get_logger()


def templates() -> list[dict[str, Any]]:
    """The catalog as the composer lists it: key, Dutch title and text, typed variables."""
    return [
        {
            "key": t.key,
            "title": t.title,
            "text": t.text,
            "variables": [{"name": n, "type": VARIABLE_TYPES[n]} for n in t.variables],
        }
        for t in TEMPLATES.values()
    ]


def preview(
    db: Session,
    actor: Principal,
    draft: BroadcastDraft,
    settings: Settings,
    *,
    policy: Policy | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Render the draft for its audience and keep that as a preview record (audited as a read).

    Returns per language the text, SMS segments, recipients and estimated cost, the cost per channel,
    when it goes out, and the record's id and fingerprint to send it with.
    """
    record = previews.make_record(db, actor, draft, settings, policy or load_policy(), now or utcnow())
    out = preview_out(db, record, settings)
    # A read of the audience's names and languages, naming the people a page lists.
    audit.record(
        db,
        actor,
        "preview",
        "broadcast",
        record.id,
        template=record.template,
        audience=record.audience["type"],
        inburgeraars=[line.inburgeraar_id for line in out["listed"]],
    )
    return out


def preview_out(db: Session, record: Broadcast, settings: Settings) -> dict[str, Any]:
    """A preview record as the Preview schema reads it; `listed` and `not_listed` are for the web page."""
    overview = _overview(db, record, settings)
    return {
        "preview_id": record.id,
        "fingerprint": record.fingerprint,
        "expires_at": record.created_at + previews.PREVIEW_VALID,
        "template": record.template,
        "send_at": record.send_at,
        **overview.summary,
        "listed": overview.recipients,
        "not_listed": overview.not_listed,
    }


def create(
    db: Session,
    actor: Principal,
    data: BroadcastCreate,
    settings: Settings,
    *,
    policy: Policy | None = None,
    now: datetime | None = None,
) -> Broadcast:
    """Schedule a preview exactly as it was shown (`previewId`), or preview and schedule in one step.

    It goes out at `sendAt`, or now, moved into the send window when outside it. A confirmation whose
    inputs differ from the preview's is refused (Conflict `preview_changed`); a second confirmation of
    the same preview returns the broadcast the first one scheduled.
    """
    now = now or utcnow()
    broadcast, scheduled = previews.confirm(db, actor, data, settings, policy or load_policy(), now)
    if scheduled:
        audit.record(db, actor, "create", "broadcast", broadcast.id, template=broadcast.template)
        log.info("broadcast_scheduled", broadcast_id=broadcast.id, template=broadcast.template)
    return broadcast


def get(db: Session, actor: Principal, broadcast_id: int, *, action: str = "read") -> Broadcast:
    """One broadcast; a klantmanager sees only their own."""
    audit.require_role(db, actor, *CASE_ROLES, action=action, object_type="broadcast", object_id=broadcast_id)
    broadcast = db.get(Broadcast, broadcast_id)
    if (
        broadcast is None
        or broadcast.status == BroadcastStatus.previewed
        or (actor.role == Role.klantmanager and broadcast.created_by_id != actor.staff_id)
    ):
        raise NotFound(f"no broadcast {broadcast_id}")
    return broadcast


def read(db: Session, actor: Principal, broadcast_id: int) -> Broadcast:
    """One broadcast for the caller, the read audit-logged (an audience may list people by id)."""
    broadcast = get(db, actor, broadcast_id)
    audit.record_read(db, actor, "broadcast", broadcast.id)
    return broadcast


@dataclass(frozen=True)
class Detail:
    """A broadcast's page: texts and cost per language and channel (`summary`), and its recipients
    (the first NAMES_SHOWN by name, and how many more)."""

    broadcast: Broadcast
    summary: dict[str, Any]
    recipients: list[Line]
    not_listed: int


def read_detail(db: Session, actor: Principal, broadcast_id: int, settings: Settings) -> Detail:
    """One broadcast with who gets it (name, language, channel, status) and what; one audited read
    naming the people listed."""
    broadcast = get(db, actor, broadcast_id)
    detail = _overview(db, broadcast, settings)
    audit.record_read(
        db, actor, "broadcast", broadcast.id, inburgeraars=[line.inburgeraar_id for line in detail.recipients]
    )
    return detail


def _overview(db: Session, broadcast: Broadcast, settings: Settings) -> Detail:
    everyone = lines(db, broadcast)
    listed = sorted(everyone, key=lambda line: (line.name, line.inburgeraar_id))[: previews.NAMES_SHOWN]
    return Detail(broadcast, summary(everyone, prices(settings)), listed, len(everyone) - len(listed))


def lines(db: Session, broadcast: Broadcast) -> list[Line]:
    """Every recipient row of a broadcast or preview with the person's name and, once queued, their
    message's text and delivery status."""
    rows = db.execute(
        select(BroadcastRecipient, Inburgeraar.name, Message.body, Message.status)
        .join(Inburgeraar, Inburgeraar.id == BroadcastRecipient.inburgeraar_id)
        .outerjoin(Message, Message.id == BroadcastRecipient.message_id)
        .where(BroadcastRecipient.broadcast_id == broadcast.id)
        .order_by(BroadcastRecipient.id)
    ).all()
    return [
        Line(
            inburgeraar_id=row.inburgeraar_id,
            name=name,
            status=row.status,
            reason=row.reason,
            language=row.language,
            channel=row.channel,
            text=row.text if row.message_id is None else body,
            segments=row.segments,
            delivery=delivery,
        )
        for row, name, body, delivery in rows
    ]


def list_broadcasts(db: Session, actor: Principal, *, limit: int = 50, offset: int = 0) -> list[Broadcast]:
    """The latest broadcasts (a klantmanager: their own), the read audit-logged."""
    audit.require_role(db, actor, *CASE_ROLES, action="read", object_type="broadcast")
    query = (
        select(Broadcast).where(Broadcast.status != BroadcastStatus.previewed).order_by(Broadcast.id.desc())
    )
    if actor.role == Role.klantmanager:
        query = query.where(Broadcast.created_by_id == actor.staff_id)
    rows = list(db.scalars(query.limit(limit).offset(offset)))
    audit.record_read(db, actor, "broadcast", ids=[b.id for b in rows])
    return rows


def cancel(db: Session, actor: Principal, broadcast_id: int) -> Broadcast:
    """Cancel a broadcast that has not gone out yet."""
    broadcast = get(db, actor, broadcast_id, action="cancel")
    now = utcnow()
    done = db.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast.id, Broadcast.status == BroadcastStatus.scheduled)
        .values(status=BroadcastStatus.cancelled, cancelled_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.refresh(broadcast)
    if done != 1:
        raise Conflict(f"this broadcast is already {broadcast.status}", code=f"already_{broadcast.status}")
    # Nothing goes out, so the rendered texts (they hold names) are not kept.
    db.execute(
        update(BroadcastRecipient)
        .where(
            BroadcastRecipient.broadcast_id == broadcast.id,
            BroadcastRecipient.status == RecipientStatus.planned,
        )
        .values(status=RecipientStatus.cancelled, text=None)
        .execution_options(synchronize_session=False)
    )
    audit.record(db, actor, "cancel", "broadcast", broadcast.id)
    return broadcast


def to_out(db: Session, broadcast: Broadcast) -> dict[str, Any]:
    """A broadcast as BroadcastOut reads it, with its delivery statistics once it went out."""
    data = {c.key: getattr(broadcast, c.key) for c in Broadcast.__table__.columns}
    data["moved_to_window"] = (
        broadcast.requested_send_at is not None and broadcast.send_at != broadcast.requested_send_at
    )
    data["stats"] = stats(db, broadcast) if broadcast.status == BroadcastStatus.sent else None
    return data
