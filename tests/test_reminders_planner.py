"""The planner's promises: before the start, inside the send window (or a recorded reason), never twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.appointments.models import AppointmentKind
from api.reminders.planner import plan
from api.reminders.policy import Policy, SendWindow, load_policy

AMS = ZoneInfo("Europe/Amsterdam")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMS).astimezone(UTC)


def by_slot(slots):
    return {s.slot: s for s in slots}


POLICY = Policy(reminders=load_policy().reminders, holidays=frozenset())  # no holidays: dates are free


# --- daylight saving time ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts", "slot", "expected_local"),
    [
        (local(2026, 3, 29, 12, 0), "1d", datetime(2026, 3, 28, 12, 0)),
        (local(2026, 3, 30, 10, 0), "3d", datetime(2026, 3, 27, 10, 0)),
        (local(2026, 10, 25, 10, 0), "1d", datetime(2026, 10, 24, 10, 0)),
        (local(2026, 10, 26, 14, 0), "3d", datetime(2026, 10, 23, 14, 0)),
    ],
    ids=["march-switch-sunday-1d", "march-monday-3d", "october-switch-sunday-1d", "october-monday-3d"],
)
def test_day_reminders_keep_the_local_clock_time_across_a_dst_switch(starts, slot, expected_local):
    slots = by_slot(plan(POLICY, "voortgangsgesprek", starts, starts - timedelta(days=10)))
    due = slots[slot].due_at
    assert due.astimezone(AMS).replace(tzinfo=None) == expected_local
    # The switch is in between, so the elapsed time is a day (or three) plus or minus one hour.
    days = int(slot[0])
    assert abs((starts - due) - timedelta(days=days)) == timedelta(hours=1)


def test_two_hours_before_on_the_spring_switch_day_is_two_real_hours():
    starts = local(2026, 3, 29, 12, 0)  # CEST, the clocks went forward at 02:00
    slots = by_slot(plan(POLICY, "voortgangsgesprek", starts, starts - timedelta(days=10)))
    assert starts - slots["2h"].due_at == timedelta(hours=2)
    assert slots["2h"].due_at.astimezone(AMS).time() == time(10, 0)


def test_send_window_opens_at_nine_local_time_on_both_sides_of_the_switch():
    for day in (date(2026, 3, 28), date(2026, 3, 29), date(2026, 10, 24), date(2026, 10, 25)):
        opens, closes = POLICY.bounds(day)
        assert opens.astimezone(AMS).time() == time(9, 0)
        assert closes.astimezone(AMS).time() == time(20, 0)


# --- send window --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("starts", "slot", "expected_local"),
    [
        (local(2030, 3, 12, 9, 30), "2h", datetime(2030, 3, 12, 9, 0)),
        (local(2030, 3, 12, 9, 15), "2h", datetime(2030, 3, 11, 20, 0)),
        (local(2030, 3, 12, 21, 30), "1d", datetime(2030, 3, 11, 20, 0)),
        (local(2030, 3, 12, 8, 0), "1d", datetime(2030, 3, 11, 9, 0)),
    ],
    ids=[
        "early-2h-moves-to-opening-same-day",
        "opening-too-late-moves-to-evening-before",
        "late-evening-moves-back-to-close",
        "early-morning-moves-to-opening",
    ],
)
def test_reminder_outside_the_window_is_moved_inside_with_a_reason(starts, slot, expected_local):
    slots = by_slot(plan(POLICY, "voortgangsgesprek", starts, starts - timedelta(days=10)))
    assert slots[slot].status == "planned"
    assert slots[slot].reason == "moved_into_window"
    assert slots[slot].due_at.astimezone(AMS).replace(tzinfo=None) == expected_local


def test_reminder_on_a_holiday_moves_to_the_evening_before():
    policy = Policy(holidays=frozenset({date(2030, 3, 11)}))
    starts = local(2030, 3, 12, 11, 0)
    slots = by_slot(plan(policy, "voortgangsgesprek", starts, starts - timedelta(days=10)))
    assert slots["1d"].due_at.astimezone(AMS).replace(tzinfo=None) == datetime(2030, 3, 10, 20, 0)


def test_reminders_that_collapse_onto_each_other_are_merged_not_sent_twice():
    # Two holidays before a 20:00 appointment push "1d" back onto the "3d" moment.
    policy = Policy(holidays=frozenset({date(2030, 3, 10), date(2030, 3, 11)}))
    starts = local(2030, 3, 12, 20, 0)
    slots = by_slot(plan(policy, "voortgangsgesprek", starts, starts - timedelta(days=10)))
    assert slots["3d"].status == "skipped"
    assert slots["3d"].reason == "merged_with_1d"
    assert slots["1d"].status == "planned"


def test_pvt_excursion_and_map_get_a_week_ahead_reminder_others_do_not():
    policy = load_policy()
    assert [o.key for o in policy.offsets_for("pvt_excursie")] == ["7d", "3d", "1d", "2h"]
    assert [o.key for o in policy.offsets_for("map_activiteit")] == ["7d", "3d", "1d", "2h"]
    assert [o.key for o in policy.offsets_for("voortgangsgesprek")] == ["3d", "1d", "2h"]


# --- late changes ---------------------------------------------------------------------------------


def test_appointment_created_after_a_slot_gets_a_new_appointment_notice_instead():
    starts = local(2030, 3, 12, 10, 0)
    now = local(2030, 3, 10, 14, 0)  # after the 7d and 3d slots
    slots = by_slot(plan(POLICY, "pvt_excursie", starts, now))
    assert (slots["7d"].status, slots["7d"].reason) == ("skipped", "slot_passed")
    assert (slots["3d"].status, slots["3d"].reason) == ("skipped", "slot_passed")
    assert slots["new"].kind == "notice" and slots["new"].due_at == now
    assert slots["1d"].status == "planned" and slots["2h"].status == "planned"


def test_appointment_created_well_ahead_gets_reminders_and_no_notice():
    starts = local(2030, 3, 12, 10, 0)
    slots = plan(POLICY, "voortgangsgesprek", starts, starts - timedelta(days=20))
    assert [s.kind for s in slots if s.status == "planned"] == [
        "reminder",
        "reminder",
        "reminder",
        "follow_up",
    ]


def test_moving_an_appointment_someone_was_told_about_sends_a_changed_notice():
    starts = local(2030, 3, 20, 10, 0)
    slots = by_slot(
        plan(POLICY, "voortgangsgesprek", starts, local(2030, 3, 12, 11, 0), change="moved", informed=True)
    )
    assert slots["changed"].kind == "notice"


def test_notice_at_night_waits_for_the_window_when_that_is_still_in_time():
    starts = local(2030, 3, 12, 14, 0)
    now = local(2030, 3, 11, 23, 0)
    slots = by_slot(plan(POLICY, "voortgangsgesprek", starts, now))
    assert slots["new"].due_at.astimezone(AMS).replace(tzinfo=None) == datetime(2030, 3, 12, 9, 0)


def test_notice_at_night_for_an_early_appointment_goes_now_and_says_why():
    starts = local(2030, 3, 12, 8, 30)
    now = local(2030, 3, 11, 23, 0)
    slots = by_slot(plan(POLICY, "voortgangsgesprek", starts, now, change="cancelled"))
    assert slots["cancelled"].due_at == now
    assert slots["cancelled"].reason == "outside_window_urgent"


def test_follow_up_leaves_people_time_to_answer_the_first_message():
    starts = local(2030, 3, 12, 15, 0)
    now = local(2030, 3, 12, 10, 0)  # five hours ahead: a notice now, the 2h reminder later
    slots = by_slot(plan(POLICY, "voortgangsgesprek", starts, now))
    assert slots["no_answer"].due_at == min(now + timedelta(hours=4), starts - timedelta(minutes=30))


def test_follow_up_comes_after_the_reminder_it_checks_not_with_it():
    starts = local(2030, 3, 12, 10, 0)
    slots = by_slot(plan(POLICY, "voortgangsgesprek", starts, starts - timedelta(days=10)))
    # The 24-hour threshold coincides with the "1d" reminder: the call comes four hours later.
    assert slots["1d"].due_at == starts - timedelta(days=1)
    assert slots["no_answer"].due_at == slots["1d"].due_at + timedelta(hours=4)


# --- properties -----------------------------------------------------------------------------------

KINDS = st.sampled_from([k.value for k in AppointmentKind])
STARTS = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2028, 12, 31),
    timezones=st.just(AMS),
    allow_imaginary=False,
).map(lambda d: d.astimezone(UTC))


@st.composite
def policies(draw: st.DrawFn) -> tuple[Policy, datetime]:
    starts = draw(STARTS)
    day = starts.astimezone(AMS).date()
    holidays = draw(st.sets(st.integers(-9, 0), max_size=4))
    window = SendWindow(
        start=time(draw(st.integers(6, 11)), draw(st.sampled_from([0, 30]))),
        end=time(draw(st.integers(17, 22)), draw(st.sampled_from([0, 45]))),
    )
    policy = Policy(
        send_window=window,
        holidays=frozenset(day + timedelta(days=d) for d in holidays),
        min_lead_minutes=draw(st.sampled_from([0, 30, 90])),
        min_gap_hours=draw(st.sampled_from([0, 2, 4, 8])),
        reminders={
            "default": ("3d", "1d", "2h"),
            "pvt_excursie": ("7d", "3d", "1d", "2h"),
            "map_activiteit": ("7d", "3d", "1d", "2h"),
        },
    )
    return policy, starts


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=policies(),
    kind=KINDS,
    lead=st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=20)),
    change=st.sampled_from(["created", "moved", "cancelled"]),
    informed=st.booleans(),
)
def test_planner_never_sends_after_the_start_outside_the_window_or_twice(case, kind, lead, change, informed):
    policy, starts = case
    now = starts - lead
    slots = plan(policy, kind, starts, now, change=change, informed=informed)

    keys = [(s.kind, s.slot) for s in slots]
    assert len(keys) == len(set(keys)), "a slot is planned twice"
    for s in slots:
        assert s.status in ("planned", "skipped")
        if s.status == "skipped":
            assert s.reason, "a skipped slot must say why"
            continue
        assert now <= s.due_at <= starts
        if s.kind != "follow_up":
            assert s.due_at < starts, "a message after its appointment"
            assert policy.in_window(s.due_at) or s.reason == "outside_window_urgent"
        if s.kind == "reminder":
            assert s.due_at <= starts - policy.min_lead

    messages = sorted(s.due_at for s in slots if s.status == "planned" and s.kind != "follow_up")
    for earlier, later in zip(messages, messages[1:], strict=False):
        assert later - earlier >= policy.min_gap, "two messages too close together"

    if change == "cancelled":
        assert keys == [("notice", "cancelled")]
    else:
        expected = {o.key for o in policy.offsets_for(kind)}
        assert {s.slot for s in slots if s.kind == "reminder"} == expected, "an offset was dropped silently"
        assert [s.kind for s in slots].count("follow_up") == 1
