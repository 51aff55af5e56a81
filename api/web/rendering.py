"""Jinja2 rendering in the staff member's UI language: `_()` goes through the same catalogs as everything."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_skeleton, format_timedelta
from babel.numbers import format_currency, format_percent
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from api.auth import Principal
from api.db import utcnow
from api.i18n import languages
from api.i18n.catalog import N_, gettext
from api.i18n.formatting import TZ
from api.i18n.labels import appointment_title
from api.staff.models import Role
from api.web import labels

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class WebUser:
    """A snapshot of the logged-in staff member; plain values, so it outlives a rolled-back session."""

    session_id: int
    staff_id: int
    name: str
    role: str
    csrf: str
    language: str
    principal: Principal

    @property
    def is_klantmanager(self) -> bool:
        return self.role == Role.klantmanager

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.coordinator


ROLE_LABELS = {
    "klantmanager": N_("Klantmanager"),
    "coordinator": N_("Coordinator"),
    "admin": N_("Beheerder"),
}
NAV_KLANTMANAGER = [
    ("/ui/inbox", N_("Inbox")),
    ("/ui/appointments", N_("Afspraken")),
    ("/ui/tasks", N_("Taken")),
    ("/ui/caseload", N_("Caseload")),
]
NAV_COORDINATOR = [
    ("/ui/team", N_("Teaminbox")),
    ("/ui/people", N_("Personen")),
    ("/ui/broadcasts", N_("Groepsberichten")),
    ("/ui/reminders", N_("Herinneringen")),
    ("/ui/stats", N_("Cijfers")),
]

LABEL_TABLES = {
    "intent": labels.INTENT_LABELS,
    "reason": labels.REASON_LABELS,
    "language": labels.LANGUAGE_LABELS,
    "kind": labels.KIND_LABELS,
    "attendance": labels.ATTENDANCE_LABELS,
    "assessment": labels.ASSESSMENT_LABELS,
    "escalation_reason": labels.ESCALATION_REASON_LABELS,
    "escalation_status": labels.ESCALATION_STATUS_LABELS,
    "crisis": labels.CRISIS_LABELS,
    "inbox_view": labels.INBOX_VIEW_LABELS,
    "task": labels.TASK_LABELS,
    "channel": labels.CHANNEL_LABELS,
    "delivery": labels.DELIVERY_LABELS,
    "message_kind": labels.MESSAGE_KIND_LABELS,
    "leerroute": labels.LEERROUTE_LABELS,
    "map": labels.MAP_LABELS,
    "role": ROLE_LABELS,
    "doelgroep": labels.DOELGROEP_LABELS,
    "audience": labels.AUDIENCE_LABELS,
    "broadcast_status": labels.BROADCAST_STATUS_LABELS,
    "skip": labels.SKIP_LABELS,
    "recipient_status": labels.RECIPIENT_STATUS_LABELS,
    "form": labels.FORM_LABELS,
    "for_person": labels.FOR_PERSON_LABELS,
    "resolution": labels.RESOLUTION_LABELS,
}


_FORMATTER = string.Formatter()


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def _babel_locale(language: str) -> str:
    return languages.LANGUAGES[languages.normalize(language) or "nl"].babel_locale


def helpers(language: str) -> dict[str, Any]:
    """The functions templates call, bound to one UI language."""
    locale = _babel_locale(language)

    def _(msgid: str, /, **values: Any) -> str:
        # Not catalog.render: its own `language` parameter would clash with a {language} placeholder.
        text = gettext(language, msgid)
        try:
            return _FORMATTER.vformat(text, (), _Blank(values))
        except (ValueError, IndexError):
            return _FORMATTER.vformat(msgid, (), _Blank(values))

    def label(table: str, code: str | None) -> str:
        if not code:
            return ""
        msgid = LABEL_TABLES[table].get(code)
        return gettext(language, msgid) if msgid else code

    def dt(value: datetime | None) -> str:
        if value is None:
            return ""
        local = value.astimezone(TZ)
        return f"{format_skeleton('MMMEd', local, locale=locale)} {local:%H:%M}"

    def weekday(value: datetime | None) -> str:
        """The day of an appointment as people say it: "woensdag 9 december"."""
        # The staff UI is Dutch or English, which both put the day before the month.
        return format_date(value.astimezone(TZ), format="EEEE d MMMM", locale=locale) if value else ""

    def day(value: date | None) -> str:
        return format_date(value, format="long", locale=locale) if value else ""

    def ago(value: datetime | None) -> str:
        if value is None:
            return ""
        return format_timedelta(value - utcnow(), add_direction=True, locale=locale)

    def duration(seconds: float | None) -> str:
        if seconds is None:
            return ""
        return format_timedelta(timedelta(seconds=seconds), threshold=1.5, locale=locale)

    def pct(value: float | None) -> str:
        return "" if value is None else format_percent(value, locale=locale)

    def iso(value: datetime | date | None) -> str:
        if value is None:
            return ""
        return value.astimezone(TZ).isoformat() if isinstance(value, datetime) else value.isoformat()

    def money(amount: float, currency: str) -> str:
        return format_currency(amount, currency, locale=locale)

    def appointment(value: Any) -> str:
        """An appointment by kind and date ("PVT-bijeenkomst woensdag 9 december 2026 10:00"), not by id."""
        return appointment_title(language, value.kind, value.starts_at)

    return {
        "_": _,
        "label": label,
        "dt": dt,
        "day": day,
        "weekday": weekday,
        "ago": ago,
        "duration": duration,
        "pct": pct,
        "iso": iso,
        "money": money,
        "appointment": appointment,
    }


def page(
    request: Request,
    template: str,
    user: WebUser | None,
    *,
    language: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a page; pages behind the login are never cached (they hold personal data)."""
    lang = language or (user.language if user else "nl")
    settings = request.app.state.settings
    nav: list[tuple[str, str]] = []
    if user is not None:
        nav = (NAV_KLANTMANAGER if user.is_klantmanager else []) + (
            NAV_COORDINATOR if user.is_coordinator else []
        )
        if user.is_coordinator and settings.klantinteracties_enabled:
            nav = [*nav, ("/ui/register", N_("Klantregister"))]
    context.setdefault("flash", None)
    body = env.get_template(template).render(
        **helpers(lang),
        lang=lang,
        user=user,
        nav=nav,
        path=request.url.path,
        simulator_link=settings.simulator_enabled and settings.environment != "production",
        **context,
    )
    response = HTMLResponse(body, status_code=status_code)
    if user is not None:
        response.headers["Cache-Control"] = "no-store"
    return response
