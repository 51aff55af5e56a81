"""The coordinator's console: the reminder policy and attendance figures (broadcasts: broadcast_pages.py).

Coordinators see numbers and delivery states, never what people wrote.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.appointments.models import AppointmentKind
from api.deps import SessionDep, SettingsDep
from api.i18n.catalog import N_
from api.settings import ROOT
from api.web import stats
from api.web.guards import CoordinatorDep, WebRoute
from api.web.rendering import page

router = APIRouter(prefix="/ui", route_class=WebRoute, include_in_schema=False)

OFFSET_UNITS = {
    # unit: (singular msgid, plural msgid)
    "d": (N_("1 dag"), N_("{n} dagen")),
    "h": (N_("1 uur"), N_("{n} uur")),
    "m": (N_("1 minuut"), N_("{n} minuten")),
}


@dataclass(frozen=True)
class PolicyOverview:
    per_kind: list[tuple[str, list[tuple[str, int]]]]  # kind, [(unit msgid, n)] earliest first
    window: tuple[str, str]
    holidays: list[date]
    follow_up_hours_before: float
    min_lead_minutes: int
    timezone: str


def policy_overview() -> tuple[PolicyOverview | None, str | None]:
    """The reminder policy as the planner reads it, or (None, reason) when it cannot be read.

    Reads it through api.reminders.policy, so the page shows what the planner really uses (defaults
    included), not a second interpretation of the file.
    """
    try:
        from api.reminders import policy as reminder_policy
    except ModuleNotFoundError:
        return None, "missing"
    try:
        policy = reminder_policy.load_policy()
    except FileNotFoundError:
        return None, "missing"
    except (OSError, ValueError):
        return None, "invalid"
    per_kind = []
    for kind in AppointmentKind:
        offsets = []
        for offset in policy.offsets_for(kind):
            singular, plural = OFFSET_UNITS[offset.unit]
            offsets.append((singular if offset.amount == 1 else plural, offset.amount))
        per_kind.append((kind.value, offsets))
    window = (policy.send_window.start.strftime("%H:%M"), policy.send_window.end.strftime("%H:%M"))
    return PolicyOverview(
        per_kind=per_kind,
        window=window,
        holidays=sorted(policy.holidays),
        follow_up_hours_before=policy.follow_up.no_answer_hours_before,
        min_lead_minutes=policy.min_lead_minutes,
        timezone=policy.timezone,
    ), None


@router.get("/reminders")
def reminders_page(request: Request, user: CoordinatorDep) -> Response:
    overview, problem = policy_overview()
    return page(
        request,
        "reminders.html",
        user,
        title=N_("Herinneringen"),
        policy=overview,
        problem=problem,
        path_shown=_policy_path(),
    )


def _policy_path() -> str:
    try:
        from api.reminders.policy import policy_path
    except ModuleNotFoundError:
        return "config/reminder_policy.json"
    path = policy_path()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


@router.get("/stats")
def stats_page(
    request: Request, user: CoordinatorDep, db: SessionDep, settings: SettingsDep, weeks: int = 8
) -> Response:
    weeks = min(max(weeks, 1), 52)
    rates = stats.attendance_rates(db, user.principal, weeks=weeks)
    by_kind: dict[str, list[stats.WeekRate]] = defaultdict(list)
    for rate in rates:
        by_kind[rate.kind].append(rate)
    team = stats.team_figures(db, user.principal, settings, weeks=weeks)
    return page(
        request, "stats.html", user, title=N_("Cijfers"), by_kind=dict(by_kind), weeks=weeks, team=team
    )
