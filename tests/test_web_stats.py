"""Confirmation and no-show rates per appointment kind per week, for coordinators."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from api.auth import Principal
from api.db import utcnow
from api.web.stats import attendance_rates, week_start
from tests.web_helpers import open_browsers

NOW = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)  # a Wednesday
COORDINATOR = Principal(kind="staff", role="coordinator", staff_id=1)


@pytest.fixture
def web(app):
    yield from open_browsers(app)


def _appointment(make, people, statuses, *, starts_at, kind="voortgangsgesprek", confirmed=(), **kw):
    appointment = make.appointment(people, starts_at=starts_at, kind=kind, **kw)
    for attendance, status in zip(appointment.attendances, statuses, strict=True):
        attendance.status = status
        if attendance.inburgeraar_id in confirmed:
            attendance.confirmed_at = starts_at - timedelta(days=1)
    make.db.commit()
    return appointment


def test_weeks_start_on_monday_in_amsterdam_time():
    # Sunday 23:30 UTC is already Monday 00:30 in Amsterdam (winter time).
    assert week_start(datetime(2026, 3, 8, 23, 30, tzinfo=UTC)) == date(2026, 3, 9)
    assert week_start(datetime(2026, 3, 8, 22, 30, tzinfo=UTC)) == date(2026, 3, 2)


def test_rates_count_confirmations_of_all_and_no_shows_of_ended_appointments_only(make, db):
    km, _ = make.staff()
    a, b, c, d = (make.person(km) for _ in range(4))
    with time_machine.travel(NOW, tick=False):
        last_week = NOW - timedelta(days=7)
        _appointment(
            make,
            [a, b, c, d],
            ["attended", "no_show", "no_show", "absence_reported"],
            starts_at=last_week,
            confirmed={a.id, b.id},
        )
        _appointment(
            make, [a, b], ["confirmed", "pending"], starts_at=NOW + timedelta(days=1), confirmed={a.id}
        )
        _appointment(make, [c], ["no_show"], starts_at=last_week, kind="knm_les")
        _appointment(make, [d], ["no_show"], starts_at=last_week, status="cancelled")
        _appointment(make, [d], ["no_show"], starts_at=NOW - timedelta(weeks=12))
        rates = attendance_rates(db, COORDINATOR, weeks=4)
    summary = [(r.kind, r.week_start, r.participants, r.confirmed, r.ended, r.no_show) for r in rates]
    assert summary == [
        ("knm_les", date(2026, 3, 2), 1, 0, 1, 1),
        ("voortgangsgesprek", date(2026, 3, 2), 4, 2, 4, 2),
        ("voortgangsgesprek", date(2026, 3, 9), 2, 1, 0, 0),
    ]
    assert rates[1].confirmation_rate == 0.5 and rates[1].no_show_rate == 0.5
    assert rates[2].no_show_rate is None  # nothing has ended yet that week


def test_klantmanagers_do_not_get_the_console_figures(make, db):
    from api.errors import Forbidden

    with pytest.raises(Forbidden):
        attendance_rates(db, Principal(kind="staff", role="klantmanager", staff_id=2))


def test_the_stats_page_shows_a_table_per_kind_with_bars_and_figures(web, make, db):
    km, _ = make.staff()
    coordinator, _ = make.staff("coordinator")
    a, b = make.person(km), make.person(km)
    _appointment(
        make,
        [a, b],
        ["attended", "no_show"],
        starts_at=utcnow() - timedelta(days=1),
        kind="pvt_bijeenkomst",
        confirmed={a.id},
    )
    html = web(coordinator).get("/ui/stats").text
    assert '<h2 id="kind-pvt_bijeenkomst">PVT-bijeenkomst</h2>' in html
    assert "1 (50%)" in html and "1 / 2 (50%)" in html
    assert 'class="bar" aria-hidden="true"' in html
    assert web(km).get("/ui/stats").status_code == 403
