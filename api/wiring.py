"""The composition root: connects the hooks of lower layers to the packages that act on them.

Called explicitly by the app factory, the worker and the test suite; never by import side effect.
"""

from __future__ import annotations

from api.appointments import service as appointments
from api.attendance import service as attendance
from api.klantinteracties import queue as register
from api.messaging import conversations, failures, outbox, provider
from api.people import consent, number_dispute
from api.people import service as people
from api.reminders import fallback, planner
from api.tasks import service as tasks
from api.twilio.provider import TWILIO


def install() -> None:
    """Install the channel provider and register every listener (idempotent)."""
    provider.install(TWILIO)
    appointments.changed.connect(planner.on_appointment_change)
    consent.withdrawn.connect(tasks.on_consent_withdrawn)
    number_dispute.disputed.connect(tasks.on_number_disputed)
    people.phone_changed.connect(conversations.on_phone_changed)
    outbox.delivery_failed.connect(failures.record_opt_out)
    outbox.delivery_failed.connect(failures.open_undeliverable_task)
    outbox.delivery_failed.connect(fallback.send_by_sms)
    attendance.absence_reported.connect(register.on_absence_reported)
    tasks.task_opened.connect(register.on_task_opened)
    tasks.task_done.connect(register.on_task_done)
    tasks.escalation_resolved.connect(register.on_escalation_resolved)
