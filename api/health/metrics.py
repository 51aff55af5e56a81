"""GET /metrics: the assistant's figures in Prometheus's text format, read from the database per scrape.

Every figure comes from rows every process writes to, so any API process answers for all of them and
for the workers: gauges count the rows as they are now (outbox, delivery statuses, reminders, open
escalations, messages waiting for the bot), and the bot's turns are durable counters written with each
turn (api.monitoring.counters). Nothing is kept in a process's memory (ADR 0014).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from api.health.checks import oldest_due
from api.messaging.metrics import BOT_TURN_SECONDS, BOT_TURNS, TurnOutcome
from api.messaging.models import DeliveryStatus, Direction, Message, OutboxItem, OutboxStatus
from api.monitoring import heartbeat
from api.reminders.models import Reminder, ReminderKind, ReminderStatus
from api.tasks.models import Escalation, EscalationStatus

PREFIX = "inburgering"
NOT_SENT_YET = (OutboxStatus.pending, OutboxStatus.sending)


def _age(now: datetime, since: datetime | None) -> float:
    return max(0.0, (now - since).total_seconds()) if since is not None else 0.0


class DatabaseCollector(Collector):
    """Collects every figure from one session at scrape time."""

    def __init__(self, db: Session, now: datetime) -> None:
        self.db = db
        self.now = now

    def collect(self) -> Iterator[Metric]:
        yield from self.outbox()
        yield from self.deliveries()
        yield from self.bot()
        yield from self.reminders()
        yield from self.escalations()
        yield from self.workers()

    def outbox(self) -> Iterator[Metric]:
        rows = GaugeMetricFamily(
            f"{PREFIX}_outbox_rows", "Outbox rows by status (rows are removed after the chat retention).",
            labels=["status"],
        )  # fmt: skip
        for status, count in self.db.execute(
            select(OutboxItem.status, func.count()).group_by(OutboxItem.status)
        ):
            rows.add_metric([status], count)
        yield rows
        depth, oldest = self.db.execute(
            select(func.count(), func.min(OutboxItem.created_at)).where(OutboxItem.status.in_(NOT_SENT_YET))
        ).one()
        yield GaugeMetricFamily(
            f"{PREFIX}_outbox_depth", "Outbox rows not sent yet (pending or being sent).", value=depth
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_outbox_oldest_pending_age_seconds",
            "Age of the oldest outbox row not sent yet (0 when none), retries and backoff included.",
            value=_age(self.now, oldest),
        )
        _, due_since = oldest_due(self.db, self.now)
        yield GaugeMetricFamily(
            f"{PREFIX}_outbox_oldest_due_age_seconds",
            "How long the oldest outbox row that is due has been waiting for a worker (0 when none).",
            value=_age(self.now, due_since),
        )

    def deliveries(self) -> Iterator[Metric]:
        sends = GaugeMetricFamily(
            f"{PREFIX}_outbound_messages",
            "Outgoing messages by delivery status and Twilio error code (empty for none), as stored; "
            "final statuses only grow, except when a person is erased.",
            labels=["status", "error_code"],
        )
        counts = self.db.execute(
            select(Message.status, Message.error_code, func.count())
            .where(Message.direction == Direction.outbound)
            .group_by(Message.status, Message.error_code)
        )
        for status, error_code, count in counts:
            sends.add_metric([status, error_code or ""], count)
        yield sends

    def bot(self) -> Iterator[Metric]:
        waiting, oldest = self.db.execute(
            select(func.count(), func.min(Message.created_at)).where(
                Message.direction == Direction.inbound, Message.status == DeliveryStatus.received
            )
        ).one()
        yield GaugeMetricFamily(
            f"{PREFIX}_inbound_waiting",
            "Messages stored but not yet answered or routed (Rasa down or loading: they wait, none is lost).",
            value=waiting,
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_inbound_oldest_waiting_age_seconds",
            "Age of the oldest message waiting for the bot (0 when none).",
            value=_age(self.now, oldest),
        )
        turns = CounterMetricFamily(BOT_TURNS.name, BOT_TURNS.help, labels=list(BOT_TURNS.labels))
        counted = {labels["outcome"]: value for labels, value in BOT_TURNS.read(self.db)}
        for outcome in TurnOutcome:  # every outcome, also at 0, so a rate over them is defined from the start
            turns.add_metric([outcome.value], counted.get(outcome.value, 0.0))
        yield turns
        buckets, total = BOT_TURN_SECONDS.read(self.db)
        latency = HistogramMetricFamily(BOT_TURN_SECONDS.name, BOT_TURN_SECONDS.help)
        latency.add_metric([], buckets=buckets, sum_value=total)
        yield latency

    def reminders(self) -> Iterator[Metric]:
        due = GaugeMetricFamily(
            f"{PREFIX}_reminders_due",
            "Planned reminders and notices whose time has come and that the scheduler has not sent yet.",
            labels=["kind"],
        )
        counted = dict(
            self.db.execute(
                select(Reminder.kind, func.count())
                .where(and_(Reminder.status == ReminderStatus.planned, Reminder.due_at <= self.now))
                .group_by(Reminder.kind)
            ).all()
        )
        for kind in ReminderKind:  # every kind, also at 0: an alert on "due for 10 minutes" needs the series
            due.add_metric([kind.value], counted.get(kind.value, 0))
        yield due
        planned = GaugeMetricFamily(
            f"{PREFIX}_reminders",
            "Reminders and notices by status and delivery (sent = queued in the outbox; delivery failed = "
            "Twilio could not deliver it).",
            labels=["kind", "status", "delivery"],
        )
        for kind, status, delivery, count in self.db.execute(
            select(Reminder.kind, Reminder.status, Reminder.delivery, func.count()).group_by(
                Reminder.kind, Reminder.status, Reminder.delivery
            )
        ):
            planned.add_metric([kind, status, delivery or ""], count)
        yield planned

    def escalations(self) -> Iterator[Metric]:
        open_ = GaugeMetricFamily(
            f"{PREFIX}_escalations_open",
            "Escalations a klantmanager has not resolved yet, by urgency and whether someone claimed them.",
            labels=["urgency", "status"],
        )
        counted = {
            (bool(urgent), status): count
            for urgent, status, count in self.db.execute(
                select(Escalation.urgent, Escalation.status, func.count())
                .where(Escalation.status != EscalationStatus.resolved)
                .group_by(Escalation.urgent, Escalation.status)
            )
        }
        for urgent in (True, False):
            for status in (EscalationStatus.open, EscalationStatus.claimed):
                label = "urgent" if urgent else "normal"
                open_.add_metric([label, status.value], counted.get((urgent, status.value), 0))
        yield open_

    def workers(self) -> Iterator[Metric]:
        last = heartbeat.latest(self.db)
        yield GaugeMetricFamily(
            f"{PREFIX}_worker_heartbeat_age_seconds",
            "Seconds since any worker last started a round (-1 when none is running).",
            value=_age(self.now, last) if last is not None else -1.0,
        )


def exposition(db: Session, now: datetime) -> bytes:
    """The text a Prometheus scrape gets."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(db, now))
    return generate_latest(registry)
