"""Imports every domain's models so that metadata (Alembic, tests) sees all tables."""

from api.appointments.models import Appointment  # noqa: F401
from api.attendance.models import Attendance  # noqa: F401
from api.audit.models import AuditEvent  # noqa: F401
from api.db import Base
from api.inbox.models import Escalation, Task  # noqa: F401
from api.messaging.models import ConsentEvent, Conversation, Message, OutboxItem  # noqa: F401
from api.people.models import Inburgeraar, Staff  # noqa: F401

for _optional in ("api.reminders.models", "api.broadcasts.models", "api.web.models"):
    try:
        __import__(_optional)
    except ModuleNotFoundError as exc:
        if exc.name != _optional:
            raise

metadata = Base.metadata
