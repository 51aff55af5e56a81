"""Broadcasts: choose an audience and a catalog template, preview it per language, send now or later.

This module schedules, reads and cancels broadcasts; the stages live next to it: `audience` (who),
`templates` (the catalog and filling it in), `pricing` (the preview's segments and cost) and `sending`
(`dispatch_due` and the rows per recipient). Their public functions are re-exported here for the routes,
the web console and the worker.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.auth import Principal
from api.broadcasts.audience import authorize_audience, recipients
from api.broadcasts.models import Broadcast, BroadcastStatus
from api.broadcasts.pricing import Prices, preview, prices
from api.broadcasts.schemas import BroadcastCreate
from api.broadcasts.sending import dispatch, dispatch_due, send_time, stats
from api.broadcasts.templates import TEMPLATES, VARIABLE_TYPES, Renderer, check_variables, template_for
from api.db import utcnow
from api.errors import Conflict, InvalidInput, NotFound
from api.reminders.policy import Policy, load_policy
from api.staff.models import CASE_ROLES, Role

__all__ = [
    "TEMPLATES",
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
    "preview",
    "prices",
    "read",
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


def create(
    db: Session,
    actor: Principal,
    data: BroadcastCreate,
    *,
    policy: Policy | None = None,
    now: datetime | None = None,
) -> Broadcast:
    """Schedule a broadcast (at `sendAt`, or now), moved into the send window when outside it."""
    policy = policy or load_policy()
    now = now or utcnow()
    template = template_for(data.template)
    audience = authorize_audience(db, actor, data.audience)
    values = check_variables(template, data.variables, audience.appointment)
    requested = data.send_at or now
    if requested < now - timedelta(minutes=5):
        raise InvalidInput("sendAt is in the past", field="sendAt")
    if requested > now + timedelta(days=366):
        raise InvalidInput("sendAt is more than a year ahead", field="sendAt")
    if not recipients(db, audience.rule, audience.caseload_of):
        raise InvalidInput("this audience has nobody in it", field="audience")
    broadcast = Broadcast(
        template=template.key,
        variables=values,
        audience=audience.rule,
        status=BroadcastStatus.scheduled,
        requested_send_at=requested,
        send_at=send_time(policy, requested),
        created_by_id=actor.staff_id,
        created_by=actor.label,
        caseload_of_id=audience.caseload_of,
        created_at=now,
    )
    db.add(broadcast)
    db.flush()
    audit.record(db, actor, "create", "broadcast", broadcast.id, template=template.key)
    log.info("broadcast_scheduled", broadcast_id=broadcast.id, template=template.key)
    return broadcast


def get(db: Session, actor: Principal, broadcast_id: int, *, action: str = "read") -> Broadcast:
    """One broadcast; a klantmanager sees only their own."""
    audit.require_role(db, actor, *CASE_ROLES, action=action, object_type="broadcast", object_id=broadcast_id)
    broadcast = db.get(Broadcast, broadcast_id)
    if broadcast is None or (actor.role == Role.klantmanager and broadcast.created_by_id != actor.staff_id):
        raise NotFound(f"no broadcast {broadcast_id}")
    return broadcast


def read(db: Session, actor: Principal, broadcast_id: int) -> Broadcast:
    """One broadcast for the caller, the read audit-logged (an audience may list people by id)."""
    broadcast = get(db, actor, broadcast_id)
    audit.record_read(db, actor, "broadcast", broadcast.id)
    return broadcast


def list_broadcasts(db: Session, actor: Principal, *, limit: int = 50, offset: int = 0) -> list[Broadcast]:
    """The latest broadcasts (a klantmanager: their own), the read audit-logged."""
    audit.require_role(db, actor, *CASE_ROLES, action="read", object_type="broadcast")
    query = select(Broadcast).order_by(Broadcast.id.desc())
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
