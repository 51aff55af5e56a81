"""Imports every domain's models so that metadata (Alembic, tests) sees all tables."""

from api.appointments.models import Appointment  # noqa: F401
from api.audit.models import AuditEvent  # noqa: F401
from api.broadcasts.models import Broadcast, BroadcastRecipient  # noqa: F401
from api.db import Base
from api.inbox.models import ReadMark, StaffNotification  # noqa: F401
from api.klantinteracties.models import RegisterExport, RegisterParty  # noqa: F401
from api.messaging.models import Conversation, ConversationNote, Message, OutboxItem  # noqa: F401
from api.monitoring.models import MetricCounter, WorkerHeartbeat  # noqa: F401
from api.people.models import ConsentEvent, Inburgeraar  # noqa: F401
from api.privacy.models import PurgeRun, TrackerErasure  # noqa: F401
from api.reminders.models import Reminder  # noqa: F401
from api.staff.models import Staff  # noqa: F401
from api.tasks.models import Escalation, Task  # noqa: F401
from api.throttling import AuthFailure  # noqa: F401
from api.web.models import OidcLogin, StaffSession  # noqa: F401

metadata = Base.metadata
