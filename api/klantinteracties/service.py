"""What coordinators see of the export and may do about it: failures, rows waiting on them, try again."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from api.audit import service as audit
from api.auth import Principal
from api.db import utcnow
from api.errors import Conflict, NotFound
from api.klantinteracties.models import ExportStatus, RegisterExport
from api.people.models import Inburgeraar
from api.staff.models import Role

OBJECT_TYPE = "klantinteracties_export"
SHOWN = 200  # the newest failures; the counts say how many there are in all


@dataclass(frozen=True)
class Problem:
    export: RegisterExport
    person: Inburgeraar | None
    waits_for: int | None = None  # the failed export this one waits on


@dataclass(frozen=True)
class Overview:
    counts: dict[str, int]
    failed: list[Problem]
    waiting: list[Problem]  # pending behind a failed cause: they go once it does
    retrying: list[Problem]  # pending again after a retryable error


def overview(db: Session, actor: Principal) -> Overview:
    """The state of the export and every row that needs attention (an audited read: it names people)."""
    audit.require_role(db, actor, Role.coordinator, action="read", object_type=OBJECT_TYPE)
    counts = dict(
        db.execute(select(RegisterExport.status, func.count()).group_by(RegisterExport.status)).tuples().all()
    )
    cause = aliased(RegisterExport)
    base = select(RegisterExport, Inburgeraar).outerjoin(
        Inburgeraar, Inburgeraar.id == RegisterExport.inburgeraar_id
    )
    failed = [
        Problem(e, p)
        for e, p in db.execute(
            base.where(RegisterExport.status == ExportStatus.failed)
            .order_by(RegisterExport.id.desc())
            .limit(SHOWN)
        ).all()
    ]
    waiting = [
        Problem(e, p, c)
        for e, p, c in db.execute(
            base.add_columns(cause.id)
            .join(cause, cause.id == RegisterExport.cause_id)
            .where(RegisterExport.status == ExportStatus.pending, cause.status == ExportStatus.failed)
            .order_by(RegisterExport.id.desc())
            .limit(SHOWN)
        ).all()
    ]
    retrying = [
        Problem(e, p)
        for e, p in db.execute(
            base.where(
                RegisterExport.status == ExportStatus.pending, RegisterExport.last_error_code.is_not(None)
            )
            .order_by(RegisterExport.id.desc())
            .limit(SHOWN)
        ).all()
    ]
    named = {p.person.id for p in failed + waiting + retrying if p.person is not None}
    audit.record_read(db, actor, OBJECT_TYPE, inburgeraars=sorted(named))
    return Overview(counts, failed, waiting, retrying)


def retry(db: Session, actor: Principal, export_id: int) -> RegisterExport:
    """Send a failed export again from the start of its steps (what the register already has is found)."""
    audit.require_role(
        db, actor, Role.coordinator, action="retry", object_type=OBJECT_TYPE, object_id=export_id
    )
    export = db.get(RegisterExport, export_id)
    if export is None:
        raise NotFound(f"no export {export_id}")
    if export.status != ExportStatus.failed:
        raise Conflict("only a failed export can be tried again", code="not_failed")
    export.status = ExportStatus.pending
    export.attempts = 0
    export.next_attempt_at = utcnow()
    audit.record(db, actor, "retry", OBJECT_TYPE, export.id, code=export.last_error_code)
    return export
