"""The caseload overview: the Wet inburgering deadlines a klantmanager must watch."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from api.appointments.models import Appointment
from api.people.models import Inburgeraar
from api.web.caseload import add_months, deadlines_for
from tests.web_helpers import open_browsers

TODAY = date(2026, 3, 2)


@pytest.fixture
def web(app):
    yield from open_browsers(app)


def _person(**kw) -> Inburgeraar:
    base = {
        "name": "Test",
        "phone": "+31600000000",
        "language": "nl",
        "doelgroep": "asielstatushouder",
        "pvt_hours_done": 0,
        "map_status": "not_started",
    }
    return Inburgeraar(**{**base, **kw})


def _kinds(row) -> dict[str, tuple[str, date | None]]:
    return {s.kind: (s.level, s.due) for s in row.signals}


@pytest.mark.parametrize(
    ("add", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 8, 31), 18, date(2026, 2, 28)),
        (date(2026, 3, 3), 18, date(2027, 9, 3)),
    ],
    ids=["month-end-clamped", "across-years", "plain"],
)
def test_adding_months_keeps_the_day_or_clamps_it_to_the_month_end(add, months, expected):
    assert add_months(add, months) == expected


@pytest.mark.parametrize(
    ("housed_days_ago", "level"),
    [(80, "overdue"), (55, "soon"), (20, "info")],
    ids=["past-ten-weeks", "within-three-weeks-of-due", "recently-housed"],
)
def test_a_pip_not_yet_set_is_due_ten_weeks_after_housing(housed_days_ago, level):
    housed = TODAY - timedelta(days=housed_days_ago)
    row = deadlines_for(_person(housed_on=housed), TODAY, [])
    assert row.pip_due == housed + timedelta(weeks=10)
    assert _kinds(row)["pip_due"] == (level, housed + timedelta(weeks=10))


def test_a_pip_without_a_housing_date_is_flagged_without_a_date():
    assert _kinds(deadlines_for(_person(), TODAY, []))["pip_due_unknown"] == ("info", None)


@pytest.mark.parametrize(
    ("pip_date", "flagged"),
    [(date(2024, 9, 30), True), (date(2024, 6, 1), False), (date(2025, 6, 1), False)],
    ids=["closes-in-a-month", "already-closed", "a-year-left"],
)
def test_the_leerroute_switch_window_closes_eighteen_months_after_the_term_start(pip_date, flagged):
    row = deadlines_for(_person(pip_date=pip_date, pvt_hours_done=12, map_status="completed"), TODAY, [])
    assert row.switch_closes == add_months(pip_date + timedelta(days=1), 18)
    assert ("switch_window" in _kinds(row)) is flagged


@pytest.mark.parametrize(
    ("pip_date", "pvt", "map_status", "expected"),
    [
        (date(2023, 6, 1), 4, "completed", "soon"),
        (date(2023, 6, 1), 12, "in_progress", "soon"),
        (date(2023, 6, 1), 12, "exempt", None),
        (date(2022, 12, 1), 12, "not_started", "overdue"),
        (date(2024, 6, 1), 0, "not_started", None),
    ],
    ids=["pvt-hours-open", "map-open", "all-done", "term-already-ended", "term-far-away"],
)
def test_a_term_ending_with_pvt_or_map_still_open_is_flagged(pip_date, pvt, map_status, expected):
    row = deadlines_for(_person(pip_date=pip_date, pvt_hours_done=pvt, map_status=map_status), TODAY, [])
    assert row.term_ends == date(pip_date.year + 3, pip_date.month, pip_date.day) + timedelta(days=1)
    assert _kinds(row).get("term_ending", (None,))[0] == expected


@pytest.mark.parametrize(
    ("statuses", "level"),
    [([], "info"), (["pending"], "soon"), (["pending", "confirmed"], None), (["checked_in"], None)],
    ids=["nothing-planned", "only-unconfirmed", "one-confirmed-later", "checked-in"],
)
def test_people_without_a_confirmed_upcoming_appointment_are_flagged(statuses, level):
    upcoming = [(Appointment(kind="voortgangsgesprek"), s) for s in statuses]
    row = deadlines_for(_person(pip_date=date(2025, 6, 1)), TODAY, upcoming)
    assert _kinds(row).get("no_confirmed_appointment", (None,))[0] == level


def test_the_caseload_page_lists_only_the_own_caseload_most_pressing_first(web, make, db):
    km, _ = make.staff()
    colleague, _ = make.staff()
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        calm = make.person(
            km, name="Rustig", pip_date=date(2025, 6, 1), pvt_hours_done=12, map_status="completed"
        )
        appointment = make.appointment([calm], starts_in=timedelta(days=5))
        appointment.attendances[0].status = "confirmed"
        db.commit()
        make.person(km, name="Te laat", housed_on=date(2025, 11, 1))
        make.person(colleague, name="Van collega", housed_on=date(2025, 11, 1))
        html = web(km).get("/ui/caseload").text
    assert "Van collega" not in html
    assert html.index("Te laat") < html.index("Rustig")
    assert "PIP nog niet vastgesteld" in html and "Verlopen" in html
