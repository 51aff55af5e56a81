"""Planning reminders, notices and follow-ups when appointments are created, moved or cancelled.

`plan()` is pure (policy, kind, start, now → slots) and property-tested; `schedule()` writes its result
for every participant in the caller's transaction; `plan_bulk()` plans many appointments with core
inserts (imports and the benchmark). api.wiring registers `on_appointment_change` at start-up.

    python -m api.reminders.planner backfill   # plan upcoming appointments that have no reminders yet
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import structlog
from sqlalchemy import and_, exists, insert, select, update
from sqlalchemy.orm import Session

from api.appointments import service as appointment_service
from api.appointments.models import Appointment, AppointmentStatus, Attendance
from api.appointments.visibility import participant_ids
from api.audit import service as audit
from api.auth import Principal
from api.db import utcnow
from api.reminders.models import Reminder, ReminderKind, ReminderStatus
from api.reminders.policy import Policy, load_policy

log = structlog.get_logger()

MOVED_INTO_WINDOW = "moved_into_window"
SLOT_PASSED = "slot_passed"
NO_TIME_IN_WINDOW = "no_time_in_window"
OUTSIDE_WINDOW_URGENT = "outside_window_urgent"
COVERED_BY_NOTICE = "covered_by_notice"
APPOINTMENT_MOVED = "appointment_moved"
APPOINTMENT_CANCELLED = "appointment_cancelled"


@dataclass(frozen=True)
class Slot:
    """One row `plan()` proposes; `reason` explains any move, and every skip."""

    kind: str
    slot: str
    nominal_at: datetime
    due_at: datetime
    status: str = ReminderStatus.planned
    reason: str | None = None

    @property
    def is_message(self) -> bool:
        return self.kind != ReminderKind.follow_up


def place(policy: Policy, nominal: datetime, deadline: datetime) -> tuple[datetime | None, str | None]:
    """Move a reminder's moment into the send window, keeping it before `deadline`.

    Prefer the same local day (early morning → the window's opening, late evening → its close), so
    "1 day before" stays on the day before and "2 hours before" stays on the day itself; when the
    opening comes too late on the day, take the latest in-window moment before it (the evening before).
    """
    nominal = min(nominal, deadline)
    if policy.in_window(nominal):
        return nominal, None
    forward = policy.next_open(nominal)
    if forward <= deadline and policy.local_date(forward) == policy.local_date(nominal):
        return forward, MOVED_INTO_WINDOW
    try:
        return policy.last_open(nominal), MOVED_INTO_WINDOW
    except ValueError:
        return (forward, MOVED_INTO_WINDOW) if forward <= deadline else (None, NO_TIME_IN_WINDOW)


def place_notice(policy: Policy, now: datetime, starts_at: datetime) -> tuple[datetime, str | None]:
    """A notice goes now, or at the next window opening if that is still in time; else now anyway."""
    if policy.in_window(now):
        return now, None
    forward = policy.next_open(now)
    if forward <= starts_at - policy.min_lead:
        return forward, MOVED_INTO_WINDOW
    # Better a message at night than someone travelling to a cancelled or unknown appointment.
    return now, OUTSIDE_WINDOW_URGENT


def plan(
    policy: Policy,
    kind: str,
    starts_at: datetime,
    now: datetime,
    *,
    change: str = "created",
    informed: bool = False,
) -> list[Slot]:
    """The reminders, notice and follow-up one participant gets for an appointment.

    Args:
        change: created, moved or cancelled.
        informed: the participant already got a reminder or notice about this appointment.

    Every planned message is before the start and inside the send window (a notice outside it is
    marked `outside_window_urgent`); every slot not planned is returned as skipped with a reason.
    """
    if starts_at <= now:
        return []
    if change == "cancelled":
        due, reason = place_notice(policy, now, starts_at)
        return [Slot(ReminderKind.notice, "cancelled", now, due, reason=reason)]

    deadline = starts_at - policy.min_lead
    slots: list[Slot] = []
    for offset in policy.offsets_for(kind):
        nominal = offset.nominal(starts_at, policy.tz)
        due, reason = place(policy, nominal, deadline)
        if due is None:
            slots.append(
                Slot(ReminderKind.reminder, offset.key, nominal, nominal, ReminderStatus.skipped, reason)
            )
        elif due < now:
            slots.append(
                Slot(ReminderKind.reminder, offset.key, nominal, due, ReminderStatus.skipped, SLOT_PASSED)
            )
        else:
            slots.append(Slot(ReminderKind.reminder, offset.key, nominal, due, reason=reason))

    missed = any(s.reason == SLOT_PASSED for s in slots)
    if missed or (change == "moved" and informed):
        due, reason = place_notice(policy, now, starts_at)
        slots.insert(0, Slot(ReminderKind.notice, "changed" if informed else "new", now, due, reason=reason))

    slots = _merge_close(policy, slots)
    slots.append(_follow_up(policy, slots, starts_at, now))
    return slots


def _merge_close(policy: Policy, slots: list[Slot]) -> list[Slot]:
    """No two messages closer than `min_gap`: a notice wins, otherwise the one nearer the start."""
    planned = sorted(
        (i for i, s in enumerate(slots) if s.status == ReminderStatus.planned),
        key=lambda i: (slots[i].due_at, slots[i].kind != ReminderKind.notice),
    )
    result = list(slots)
    kept: list[int] = []
    for i in planned:
        if kept and result[i].due_at - result[kept[-1]].due_at < policy.min_gap:
            previous = result[kept[-1]]
            if previous.kind == ReminderKind.notice:
                result[i] = replace(result[i], status=ReminderStatus.skipped, reason=COVERED_BY_NOTICE)
                continue
            result[kept[-1]] = replace(
                previous, status=ReminderStatus.skipped, reason=f"merged_with_{result[i].slot}"
            )
            kept[-1] = i
            continue
        kept.append(i)
    return result


def _follow_up(policy: Policy, slots: list[Slot], starts_at: datetime, now: datetime) -> Slot:
    """When to check for an answer: the configured time before the start, after people had time to reply."""
    nominal = starts_at - timedelta(hours=policy.follow_up.no_answer_hours_before)
    answer_time = timedelta(hours=policy.follow_up.min_hours_after_first_message)
    messages = sorted(s.due_at for s in slots if s.status == ReminderStatus.planned)
    before = [m for m in messages if m <= nominal]
    if before:
        # e.g. "1d" and a 24-hour threshold coincide: call in the afternoon, not as the reminder goes out.
        due = max(nominal, before[-1] + answer_time)
    elif messages:
        due = messages[0] + answer_time
    else:
        due = nominal
    due = max(now, min(due, starts_at - policy.min_lead))
    return Slot(ReminderKind.follow_up, "no_answer", nominal, due)


# --- writing plans ------------------------------------------------------------------------------


def _rows(
    slots: Iterable[Slot],
    appointment_id: int,
    person_id: int,
    starts_at: datetime,
    revision: int,
    now: datetime,
) -> Iterator[dict]:
    for s in slots:
        yield {
            "appointment_id": appointment_id,
            "inburgeraar_id": person_id,
            "kind": str(s.kind),
            "slot": s.slot,
            "revision": revision,
            "appointment_starts_at": starts_at,
            "nominal_at": s.nominal_at,
            "due_at": s.due_at,
            "status": str(s.status),
            "reason": s.reason,
            "created_at": now,
            "processed_at": now if s.status != ReminderStatus.planned else None,
        }


def schedule(
    db: Session,
    appointment: Appointment,
    change: str,
    *,
    now: datetime | None = None,
    policy: Policy | None = None,
) -> int:
    """Re-plan every participant's reminders after a change; returns the number of rows written.

    Pending rows of the old plan are cancelled (kept, with the reason, for the evidence trail), then the
    new plan is added as the next revision. Runs in the caller's transaction.
    """
    now = now or utcnow()
    policy = policy or load_policy()
    existing = db.execute(
        select(Reminder.inburgeraar_id, Reminder.kind, Reminder.status, Reminder.revision).where(
            Reminder.appointment_id == appointment.id
        )
    ).all()
    reason = APPOINTMENT_CANCELLED if change == "cancelled" else APPOINTMENT_MOVED
    db.execute(
        update(Reminder)
        .where(Reminder.appointment_id == appointment.id, Reminder.status == ReminderStatus.planned)
        .values(status=ReminderStatus.cancelled, reason=reason, processed_at=now)
        .execution_options(synchronize_session=False)
    )
    written = 0
    for attendance in appointment.attendances:
        mine = [r for r in existing if r.inburgeraar_id == attendance.inburgeraar_id]
        informed = any(r.status == ReminderStatus.sent and r.kind != ReminderKind.follow_up for r in mine)
        revision = max((r.revision for r in mine), default=0) + 1
        slots = plan(policy, appointment.kind, appointment.starts_at, now, change=change, informed=informed)
        rows = list(
            _rows(slots, appointment.id, attendance.inburgeraar_id, appointment.starts_at, revision, now)
        )
        if rows:
            db.execute(insert(Reminder), rows)
            written += len(rows)
    log.info("reminders_planned", appointment_id=appointment.id, change=change, rows=written)
    return written


def on_appointment_change(db: Session, appointment: Appointment, change: str) -> None:
    """Listener on `appointments.service.changed`, registered at start-up by api.wiring."""
    schedule(db, appointment, change)


def planned_for(db: Session, actor: Principal, appointment_id: int) -> list[Reminder]:
    """An appointment's reminder rows for the participants the caller may see; the read is audit-logged."""
    appointment = appointment_service.get_appointment(db, actor, appointment_id)
    people = participant_ids(actor, appointment)
    rows = db.scalars(
        select(Reminder)
        .where(Reminder.appointment_id == appointment.id, Reminder.inburgeraar_id.in_(people))
        .order_by(Reminder.inburgeraar_id, Reminder.revision, Reminder.due_at)
    )
    audit.record_read(db, actor, "appointment", appointment.id, part="reminders", inburgeraars=people)
    return list(rows)


def plan_bulk(
    db: Session, *, now: datetime | None = None, policy: Policy | None = None, chunk: int = 5000
) -> dict[str, int]:
    """Plan every upcoming appointment that has no reminder rows yet (an import, a backfill).

    Walks appointments by id in chunks and writes with core inserts, so memory stays flat whatever
    the table size. Does not commit: the caller decides (the CLI commits per chunk).
    """
    now = now or utcnow()
    policy = policy or load_policy()
    totals = {"appointments": 0, "rows": 0}
    for rows, appointments in bulk_plan_rows(db, now, policy, chunk):
        if rows:
            db.execute(insert(Reminder), rows)
        totals["appointments"] += appointments
        totals["rows"] += len(rows)
    return totals


def bulk_plan_rows(
    db: Session, now: datetime, policy: Policy, chunk: int
) -> Iterator[tuple[list[dict], int]]:
    """Yield (reminder rows, appointments) per chunk of upcoming, unplanned appointments (keyset by id)."""
    last_id = 0
    has_plan = exists().where(Reminder.appointment_id == Appointment.id)
    while True:
        ids = db.scalars(
            select(Appointment.id)
            .where(
                Appointment.id > last_id,
                Appointment.starts_at > now,
                Appointment.status != AppointmentStatus.cancelled,
            )
            .order_by(Appointment.id)
            .limit(chunk)
        ).all()
        if not ids:
            return
        last_id = ids[-1]
        pairs = db.execute(
            select(Appointment.id, Appointment.kind, Appointment.starts_at, Attendance.inburgeraar_id)
            .join(Attendance, Attendance.appointment_id == Appointment.id)
            .where(and_(Appointment.id >= ids[0], Appointment.id <= last_id), ~has_plan)
            .where(Appointment.starts_at > now, Appointment.status != AppointmentStatus.cancelled)
        ).all()
        rows: list[dict] = []
        cache: dict[tuple[str, datetime], list[Slot]] = {}
        for appointment_id, kind, starts_at, person_id in pairs:
            key = (kind, starts_at)
            if key not in cache:
                cache[key] = plan(policy, kind, starts_at, now)
            rows.extend(_rows(cache[key], appointment_id, person_id, starts_at, 1, now))
        yield rows, len({p[0] for p in pairs})


def _main(argv: list[str]) -> None:
    from api.db import Database
    from api.settings import get_settings

    if argv[:1] != ["backfill"]:
        raise SystemExit(__doc__)
    database = Database(get_settings().database_url)
    with database.session() as db:
        now, policy, total = utcnow(), load_policy(), 0
        for rows, _ in bulk_plan_rows(db, now, policy, 5000):
            if rows:
                db.execute(insert(Reminder), rows)
            db.commit()
            total += len(rows)
    print(f"planned {total} rows")


if __name__ == "__main__":
    _main(sys.argv[1:])
