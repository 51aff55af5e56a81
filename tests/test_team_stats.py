"""The figures a team lead wants on the stats page: questions to staff per week with the time to the first
human reply, languages, and spend per channel; aggregated, for coordinators only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from api.auth import Principal
from api.errors import Forbidden
from api.messaging.conversations import conversation_for
from api.messaging.models import Message
from api.web import stats
from tests.web_helpers import escalate, inbound, open_browsers

NOW = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)  # a Wednesday
MONDAY = date(2026, 3, 9)
COORDINATOR = Principal(kind="staff", role="coordinator", staff_id=1)


@pytest.fixture
def web(app):
    yield from open_browsers(app)


def _reply(db, person, at, **kw) -> Message:  # noqa: ANN001 - fixtures
    message = Message(
        conversation_id=conversation_for(db, person).id,
        direction="out",
        channel=kw.pop("channel", "sms"),
        kind=kw.pop("kind", "staff_reply"),
        body=kw.pop("body", "Ik bel je."),
        status=kw.pop("status", "delivered"),
        created_at=at,
        **kw,
    )
    db.add(message)
    db.commit()
    return message


def test_percentiles_are_nearest_rank():
    assert stats.percentile([], 0.9) is None
    assert stats.percentile([5.0], 0.9) == 5.0
    assert stats.percentile([float(n) for n in range(1, 11)], 0.9) == 9.0
    assert stats.percentile([float(n) for n in range(1, 12)], 0.9) == 10.0


def test_questions_per_week_with_the_time_to_the_first_human_reply(make, db):
    km, _ = make.staff()
    waits = [2, 4, 6, 8, 10, 12, 14, 16, 18, 60]  # minutes
    for n, minutes in enumerate(waits):
        person = make.person(km)
        opened = NOW - timedelta(hours=n + 1)
        escalate(db, person, urgent=n == 0, created_at=opened)
        _reply(db, person, opened + timedelta(minutes=minutes))
        _reply(db, person, opened + timedelta(minutes=minutes + 1))  # only the first reply counts
    unanswered = make.person(km)
    escalate(db, unanswered, created_at=NOW - timedelta(days=7))
    resolved_first = make.person(km)
    early = escalate(db, resolved_first, created_at=NOW - timedelta(days=8))
    early.status, early.resolved_at = "resolved", early.created_at + timedelta(minutes=1)
    db.commit()
    _reply(db, resolved_first, early.created_at + timedelta(hours=2))  # after it was closed: not an answer
    weeks = stats.escalation_weeks(db, COORDINATOR, weeks=3, now=NOW)
    assert [w.week_start for w in weeks] == [MONDAY - timedelta(weeks=2), MONDAY - timedelta(weeks=1), MONDAY]
    assert [(w.escalations, w.urgent, w.answered) for w in weeks] == [(0, 0, 0), (2, 0, 0), (10, 1, 10)]
    this_week = weeks[-1]
    assert this_week.median_seconds == 11 * 60 and this_week.p90_seconds == 18 * 60
    assert weeks[0].median_seconds is None and weeks[1].p90_seconds is None


def test_languages_count_conversations_and_questions_per_language(make, db):
    km, _ = make.staff()
    for language, wrote, asked in (("ar", 3, 2), ("ti", 1, 1), ("nl", 2, 0)):
        for n in range(wrote):
            person = make.person(km, language=language)
            inbound(db, person, "hallo", at=NOW - timedelta(days=1))
            inbound(db, person, "nog eens", at=NOW - timedelta(hours=1))  # one conversation, counted once
            if n < asked:
                escalate(db, person, created_at=NOW - timedelta(hours=1))
    old = make.person(km, language="so")
    inbound(db, old, "lang geleden", at=NOW - timedelta(weeks=20))
    counts = stats.language_counts(db, COORDINATOR, weeks=4, now=NOW)
    assert [(c.language, c.conversations, c.escalations) for c in counts] == [
        ("ar", 3, 2),
        ("nl", 2, 0),
        ("ti", 1, 1),
    ]


def test_spend_per_channel_counts_what_left_at_the_cost_files_prices(make, db, settings):
    person = make.person(make.staff()[0])
    at = NOW - timedelta(days=1)
    _reply(db, person, at, channel="sms", segments=2, kind="reminder")
    _reply(db, person, at, channel="sms", segments=1, status="undelivered", kind="bot_reply")
    _reply(db, person, at - timedelta(weeks=1), channel="whatsapp", status="read", kind="broadcast")
    for status in ("failed", "cancelled", "held", "queued"):
        _reply(db, person, at, channel="sms", segments=3, status=status)
    channels, weeks, currency = stats.spend(db, COORDINATOR, settings, weeks=2, now=NOW)
    assert currency == "EUR"
    assert [(c.channel, c.messages, c.segments, c.cost) for c in channels] == [
        ("sms", 2, 3, 0.24),  # 3 segments at 0.08 (config/broadcasts.json)
        ("whatsapp", 1, 0, 0.05),
    ]
    assert [(w.week_start, w.cost, round(w.total, 2)) for w in weeks] == [
        (MONDAY - timedelta(weeks=1), {"whatsapp": 0.05}, 0.05),
        (MONDAY, {"sms": 0.24}, 0.24),
    ]


def test_without_a_cost_file_spend_shows_counts_only(make, db, settings, tmp_path):
    person = make.person(make.staff()[0])
    _reply(db, person, NOW - timedelta(days=1), segments=1)
    missing = settings.model_copy(update={"broadcast_cost_path": tmp_path / "none.json"})
    channels, weeks, currency = stats.spend(db, COORDINATOR, missing, weeks=1, now=NOW)
    assert [(c.channel, c.messages, c.cost) for c in channels] == [("sms", 1, None)]
    assert (weeks, currency) == ([], None)


def test_only_coordinators_read_the_team_figures(db, settings):
    klantmanager = Principal(kind="staff", role="klantmanager", staff_id=2)
    with pytest.raises(Forbidden):
        stats.team_figures(db, klantmanager, settings)


def test_the_stats_page_shows_the_team_figures_and_names_nobody(web, make, db):
    km, _ = make.staff()
    coordinator, _ = make.staff("coordinator")
    person = make.person(km, name="Amina Haddad", language="ar")
    inbound(db, person, "أحتاج مساعدة")
    escalation = escalate(db, person, urgent=True)
    _reply(db, person, escalation.created_at + timedelta(minutes=12), segments=1)
    html = web(coordinator).get("/ui/stats").text
    for heading in ("Vragen aan medewerkers", "Talen", "Kosten per kanaal", "Geschatte kosten per week"):
        assert heading in html
    assert "12 minuten" in html and "Arabisch" in html and "€\xa00,08" in html
    assert "Amina" not in html and "أحتاج" not in html
    assert web(km).get("/ui/stats").status_code == 403
