"""The figures a team lead reads on the stats page, for coordinators, aggregated only (nobody named).

Attendance: confirmation and no-show rates per appointment kind per week. A participant counts as
confirmed when they ever confirmed (confirmed_at is set), even if they later checked in or did not come:
the figure says whether reminders got an answer. The no-show rate only counts appointments that have
ended, since the future cannot have no-shows yet.

The team (`team_figures`): questions handed to staff per week and how long the first human reply took
(median and 90th percentile, nearest rank), the languages people wrote in, and what the messages sent
cost per channel at the prices of the broadcast cost file (an estimate: Twilio bills the real price).
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.appointments.models import Appointment, AppointmentStatus, Attendance, AttendanceStatus
from api.auth import Principal
from api.broadcasts import pricing
from api.db import utcnow
from api.i18n.formatting import TZ
from api.messaging.models import Channel, Conversation, DeliveryStatus, Direction, Message, MessageKind
from api.people.models import Inburgeraar
from api.settings import Settings
from api.staff.models import Role
from api.tasks.models import Escalation


@dataclass(frozen=True)
class WeekRate:
    kind: str
    week_start: date  # Monday, Europe/Amsterdam
    participants: int
    confirmed: int
    ended: int  # participants of appointments that have ended
    no_show: int

    @property
    def confirmation_rate(self) -> float | None:
        return self.confirmed / self.participants if self.participants else None

    @property
    def no_show_rate(self) -> float | None:
        return self.no_show / self.ended if self.ended else None


def week_start(moment: datetime) -> date:
    local = moment.astimezone(TZ).date()
    return local - timedelta(days=local.weekday())


def window(now: datetime, weeks: int) -> tuple[datetime, datetime]:
    """From the Monday `weeks - 1` weeks before this one to next Monday, local time."""
    first_week = week_start(now) - timedelta(weeks=weeks - 1)
    start = datetime.combine(first_week, datetime.min.time(), TZ)
    end = datetime.combine(week_start(now) + timedelta(weeks=1), datetime.min.time(), TZ)
    return start, end


def attendance_rates(
    db: Session, actor: Principal, *, weeks: int = 8, now: datetime | None = None
) -> list[WeekRate]:
    """Rates for the last `weeks` weeks up to and including the current one, by kind then week.

    Cancelled appointments are left out: nobody could confirm or miss them.
    """
    actor.require(Role.coordinator)
    now = now or utcnow()
    start, end = window(now, weeks)
    rows = db.execute(
        select(
            Appointment.kind,
            Appointment.starts_at,
            Appointment.ends_at,
            Attendance.status,
            Attendance.confirmed_at,
        )
        .join(Attendance, Attendance.appointment_id == Appointment.id)
        .where(
            Appointment.status != AppointmentStatus.cancelled,
            Appointment.starts_at >= start,
            Appointment.starts_at < end,
        )
    ).all()
    counts: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for kind, starts_at, ends_at, status, confirmed_at in rows:
        bucket = counts[(kind, week_start(starts_at))]
        bucket[0] += 1
        if confirmed_at is not None:
            bucket[1] += 1
        if (ends_at or starts_at) <= now:
            bucket[2] += 1
            if status == AttendanceStatus.no_show:
                bucket[3] += 1
    return [
        WeekRate(kind, week, *values)
        for (kind, week), values in sorted(counts.items(), key=lambda item: (item[0][0], item[0][1]))
    ]


# --- the team: questions for staff, languages, spend ------------------------------------------------

# What Twilio bills: a message that left (delivered or not); not one that failed before, was held or
# cancelled.
CHARGED = (DeliveryStatus.sent, DeliveryStatus.delivered, DeliveryStatus.read, DeliveryStatus.undelivered)
UNKNOWN_LANGUAGE = "unknown"


@dataclass(frozen=True)
class EscalationWeek:
    week_start: date
    escalations: int
    urgent: int
    answered: int  # got a staff reply before it was resolved
    median_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True)
class LanguageCount:
    language: str
    conversations: int  # conversations in which the person wrote in the period
    escalations: int


@dataclass(frozen=True)
class ChannelSpend:
    channel: str
    messages: int
    segments: int  # SMS parts (0 for other channels)
    cost: float | None  # None: no price file


@dataclass(frozen=True)
class WeekSpend:
    week_start: date
    cost: dict[str, float] = field(default_factory=dict)  # per channel

    @property
    def total(self) -> float:
        return sum(self.cost.values())


@dataclass(frozen=True)
class TeamFigures:
    escalations: list[EscalationWeek]
    languages: list[LanguageCount]
    channels: list[ChannelSpend]
    weeks: list[WeekSpend]
    currency: str | None


def percentile(values: list[float], share: float) -> float | None:
    """Nearest rank: the smallest value with at least `share` of all values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def first_replies(db: Session, start: datetime, end: datetime) -> list[tuple[Escalation, datetime | None]]:
    """Each escalation opened in [start, end) with the moment of the first staff reply in its conversation
    after it opened (and before it was resolved), or None."""
    escalations = list(
        db.scalars(
            select(Escalation)
            .where(Escalation.created_at >= start, Escalation.created_at < end)
            .order_by(Escalation.created_at)
        )
    )
    replies: dict[int, list[datetime]] = defaultdict(list)
    if escalations:
        for conversation_id, at in db.execute(
            select(Message.conversation_id, Message.created_at)
            .where(
                Message.kind == MessageKind.staff_reply,
                Message.created_at >= start,
                Message.conversation_id.in_({e.conversation_id for e in escalations}),
            )
            .order_by(Message.created_at)
        ):
            replies[conversation_id].append(at)
    found = []
    for escalation in escalations:
        times = replies[escalation.conversation_id]
        n = bisect_left(times, escalation.created_at)
        first = times[n] if n < len(times) else None
        if first is not None and escalation.resolved_at is not None and first > escalation.resolved_at:
            first = None
        found.append((escalation, first))
    return found


def escalation_weeks(
    db: Session, actor: Principal, *, weeks: int = 8, now: datetime | None = None
) -> list[EscalationWeek]:
    """Per week (every week of the period, also empty ones): questions handed to staff, the urgent ones,
    those that got a human reply, and the median and 90th percentile of the time to that reply."""
    actor.require(Role.coordinator)
    now = now or utcnow()
    start, end = window(now, weeks)
    per_week: dict[date, list[tuple[Escalation, datetime | None]]] = defaultdict(list)
    for escalation, reply in first_replies(db, start, end):
        per_week[week_start(escalation.created_at)].append((escalation, reply))
    result = []
    for n in range(weeks):
        monday = week_start(start) + timedelta(weeks=n)
        items = per_week.get(monday, [])
        waits = [(reply - e.created_at).total_seconds() for e, reply in items if reply is not None]
        result.append(
            EscalationWeek(
                week_start=monday,
                escalations=len(items),
                urgent=sum(1 for e, _ in items if e.urgent),
                answered=len(waits),
                median_seconds=statistics.median(waits) if waits else None,
                p90_seconds=percentile(waits, 0.9),
            )
        )
    return result


def language_counts(
    db: Session, actor: Principal, *, weeks: int = 8, now: datetime | None = None
) -> list[LanguageCount]:
    """Per language (the person's, else the conversation's): conversations in which someone wrote in the
    period, and questions handed to staff; most conversations first."""
    actor.require(Role.coordinator)
    start, end = window(now or utcnow(), weeks)
    language = func.coalesce(Inburgeraar.language, Conversation.language, UNKNOWN_LANGUAGE)
    wrote = dict(
        db.execute(
            select(language, func.count(func.distinct(Conversation.id)))
            .select_from(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .outerjoin(Inburgeraar, Inburgeraar.id == Conversation.inburgeraar_id)
            .where(
                Message.direction == Direction.inbound, Message.created_at >= start, Message.created_at < end
            )
            .group_by(language)
        ).all()
    )
    asked = dict(
        db.execute(
            select(language, func.count(Escalation.id))
            .select_from(Escalation)
            .join(Conversation, Conversation.id == Escalation.conversation_id)
            .outerjoin(Inburgeraar, Inburgeraar.id == Conversation.inburgeraar_id)
            .where(Escalation.created_at >= start, Escalation.created_at < end)
            .group_by(language)
        ).all()
    )
    counts = [LanguageCount(code, wrote.get(code, 0), asked.get(code, 0)) for code in set(wrote) | set(asked)]
    return sorted(counts, key=lambda c: (-c.conversations, -c.escalations, c.language))


def spend(
    db: Session,
    actor: Principal,
    settings: Settings,
    *,
    weeks: int = 8,
    now: datetime | None = None,
) -> tuple[list[ChannelSpend], list[WeekSpend], str | None]:
    """What the messages that left in the period cost, per channel and per week, at the cost file's prices
    (all kinds: bot replies, reminders, broadcasts, staff replies). Without a cost file: counts only."""
    actor.require(Role.coordinator)
    start, end = window(now or utcnow(), weeks)
    try:
        prices: pricing.Prices | None = pricing.prices(settings)
    except (OSError, ValueError, KeyError):
        prices = None
    rows = db.execute(
        select(Message.channel, Message.segments, Message.created_at).where(
            Message.direction == Direction.outbound,
            Message.status.in_(CHARGED),
            Message.created_at >= start,
            Message.created_at < end,
        )
    ).all()
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    per_week: dict[date, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for channel, segments, at in rows:
        parts = (segments or 1) if channel == Channel.sms else 0
        cost = prices.of(channel, parts) if prices else 0.0
        bucket = totals[channel]
        bucket[0] += 1
        bucket[1] += parts
        bucket[2] += cost
        per_week[week_start(at)][channel] += cost
    channels = [
        ChannelSpend(channel, int(m), int(s), round(c, 2) if prices else None)
        for channel, (m, s, c) in sorted(totals.items())
    ]
    first = week_start(start)
    weekly = [
        WeekSpend(monday, {k: round(v, 2) for k, v in per_week.get(monday, {}).items()})
        for monday in (first + timedelta(weeks=n) for n in range(weeks))
    ]
    return channels, weekly if prices else [], prices.currency if prices else None


def team_figures(
    db: Session, actor: Principal, settings: Settings, *, weeks: int = 8, now: datetime | None = None
) -> TeamFigures:
    """Everything the stats page shows about the team's work, for one period."""
    now = now or utcnow()
    channels, weekly, currency = spend(db, actor, settings, weeks=weeks, now=now)
    return TeamFigures(
        escalations=escalation_weeks(db, actor, weeks=weeks, now=now),
        languages=language_counts(db, actor, weeks=weeks, now=now),
        channels=channels,
        weeks=weekly,
        currency=currency,
    )
