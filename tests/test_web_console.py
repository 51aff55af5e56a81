"""The coordinator's console: broadcast composer and dashboard, reminder policy overview."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from api.broadcasts import service as broadcasts
from api.broadcasts.models import Broadcast
from api.i18n import segments
from api.i18n.catalog import render
from api.messaging.models import Message
from api.reminders.policy import load_policy
from tests.web_helpers import csrf_of, open_browsers, post_form

# Tuesday 3 March 2026, 10:00 in Amsterdam: inside the send window.
OPEN = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def web(app):
    yield from open_browsers(app)


def _compose(browser, action: str, **fields):
    page = browser.get("/ui/broadcasts/new")
    return browser.post(action, data={"csrf_token": csrf_of(page.text), **fields}, follow_redirects=False)


@pytest.fixture
def excursion(make):
    km, _ = make.staff(name="Fatima de Vries")
    people = [make.person(km, language=lang, name=f"Persoon {lang}") for lang in ("ar", "ar", "nl", "ti")]
    people.append(make.person(km, language="nl", consent_state="opted_out"))
    return make.appointment(
        people, kind="pvt_excursie", location="Station Noord", starts_in=timedelta(days=9)
    )


def test_the_composer_previews_per_language_with_segments_and_cost(web, make, db, excursion, settings):
    coordinator, _ = make.staff("coordinator")
    with time_machine.travel(OPEN, tick=False):
        response = _compose(
            web(coordinator),
            "/ui/broadcasts/preview",
            template="appointment_reminder",
            audience_type="appointment",
            appointment_id=str(excursion.id),
            send_mode="now",
        )
    assert response.status_code == 200, response.text[:800]
    html = response.text
    assert "Ontvangers: 4." in html and "1 met STOP" in html
    template = broadcasts.TEMPLATES["appointment_reminder"]
    values = broadcasts.check_variables(template, {}, excursion)
    arabic = broadcasts.Renderer(template, values, settings).text("ar", "Persoon ar")
    assert f'<p dir="auto" lang="ar" class="body">{arabic}</p>' in html
    assert f"<td>{segments.count(arabic).segments} (UCS-2)</td>" in html
    assert "Arabisch" in html and "Tigrinya" in html and "Nederlands" in html
    assert "€" in html and 'formaction="/ui/broadcasts"' in html
    assert db.scalar(select(Broadcast)) is None  # a preview sends nothing


def test_sending_schedules_the_broadcast_and_the_dashboard_shows_delivery(web, make, db, excursion, settings):
    coordinator, _ = make.staff("coordinator")
    browser = web(coordinator)
    with time_machine.travel(OPEN, tick=False):
        response = _compose(
            browser,
            "/ui/broadcasts",
            template="appointment_reminder",
            audience_type="appointment",
            appointment_id=str(excursion.id),
            send_mode="now",
        )
        assert response.status_code == 303, response.text[:800]
        broadcast = db.scalar(select(Broadcast))
        assert response.headers["location"] == f"/ui/broadcasts/{broadcast.id}?done=scheduled"
        assert "Gepland" in browser.get(response.headers["location"]).text
        broadcasts.dispatch_due(db, OPEN, settings=settings, policy=load_policy())
        db.commit()
        html = browser.get(f"/ui/broadcasts/{broadcast.id}").text
    assert "Aflevering" in html and "4 berichten in de wachtrij gezet" in html
    assert "Wil geen berichten (STOP)" in html
    texts = {m.language: m.body for m in db.scalars(select(Message).where(Message.kind == "broadcast"))}
    assert set(texts) == {"ar", "nl", "ti"}
    assert "Persoon ar" not in html  # the dashboard shows counts, never a person's message


def test_a_scheduled_broadcast_can_be_cancelled_from_its_page(web, make, db, excursion):
    coordinator, _ = make.staff("coordinator")
    browser = web(coordinator)
    with time_machine.travel(OPEN, tick=False):
        _compose(
            browser,
            "/ui/broadcasts",
            template="call_us",
            audience_type="appointment",
            appointment_id=str(excursion.id),
            send_mode="later",
            send_at="2026-03-05T10:00",
        )
        broadcast = db.scalar(select(Broadcast))
        assert broadcast.send_at == datetime(2026, 3, 5, 9, 0, tzinfo=UTC)  # 10:00 Amsterdam
        response = post_form(
            browser, f"/ui/broadcasts/{broadcast.id}", f"/ui/broadcasts/{broadcast.id}/cancel"
        )
    assert response.headers["location"] == f"/ui/broadcasts/{broadcast.id}?done=cancelled"
    db.refresh(broadcast)
    assert broadcast.status == "cancelled"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"audience_type": "leerroute", "leerroute": "b1"}, "template"),
        ({"template": "call_us", "audience_type": "appointment"}, "appointment_id"),
        ({"template": "call_us", "audience_type": "list", "inburgeraar_ids": "1, twee"}, "inburgeraar_ids"),
        ({"template": "call_us", "audience_type": "list", "inburgeraar_ids": "999"}, "inburgeraar_ids"),
        ({"template": "office_closed", "audience_type": "leerroute", "leerroute": "b1"}, "date"),
        (
            {"template": "call_us", "audience_type": "leerroute", "leerroute": "b1", "send_mode": "later"},
            "send_at",
        ),
        (
            {
                "template": "call_us",
                "audience_type": "leerroute",
                "leerroute": "b1",
                "send_mode": "later",
                "send_at": "2020-01-01T10:00",
            },
            "send_at",
        ),
        ({"template": "call_us", "audience_type": "leerroute", "leerroute": "x"}, "leerroute"),
    ],
    ids=[
        "no-template",
        "no-appointment",
        "list-not-numbers",
        "unknown-person",
        "missing-date",
        "later-without-time",
        "in-the-past",
        "unknown-leerroute",
    ],
)
def test_a_bad_composer_form_is_shown_again_with_the_field_marked(web, make, db, fields, field):
    km, _ = make.staff()
    make.person(km, leerroute="b1")
    coordinator, _ = make.staff("coordinator")
    with time_machine.travel(OPEN, tick=False):
        response = _compose(web(coordinator), "/ui/broadcasts", **fields)
    assert response.status_code == 400
    assert 'role="alert" id="composer-error"' in response.text
    assert f'name="{field}"' in response.text
    marked = response.text.split(f'name="{field}"', 1)[1].split(">", 1)[0]
    assert 'aria-invalid="true"' in marked or field in ("template", "send_at")
    assert db.scalar(select(Broadcast)) is None


def test_klantmanagers_do_not_get_the_console(web, make):
    km, _ = make.staff()
    browser = web(km)
    for path in ("/ui/broadcasts", "/ui/broadcasts/new", "/ui/reminders", "/ui/stats"):
        assert browser.get(path).status_code == 403, path


def test_the_reminder_policy_overview_shows_what_the_planner_uses(web, make):
    coordinator, _ = make.staff("coordinator")
    policy = load_policy()
    html = web(coordinator).get("/ui/reminders").text
    assert "PVT-excursie" in html and "Voortgangsgesprek" in html
    excursion_row = html.split("PVT-excursie</th>", 1)[1].split("</tr>", 1)[0]
    expected = [o.amount for o in policy.offsets_for("pvt_excursie")]
    for amount in expected:
        assert str(amount) in excursion_row
    assert f"{policy.send_window.start:%H:%M} - {policy.send_window.end:%H:%M}" in html


def test_a_broken_reminder_policy_is_reported_not_a_crash(web, make, tmp_path, monkeypatch):
    broken = tmp_path / "policy.json"
    broken.write_text("{not json", encoding="utf-8")
    monkeypatch.setenv("REMINDER_POLICY_PATH", str(broken))
    coordinator, _ = make.staff("coordinator")
    response = web(coordinator).get("/ui/reminders")
    assert response.status_code == 200
    assert "kan niet worden gelezen" in response.text


def test_canned_dutch_template_titles_render_through_the_catalog(web, make):
    coordinator, _ = make.staff("coordinator")
    html = web(coordinator).get("/ui/broadcasts/new").text
    assert render("nl", broadcasts.TEMPLATES["call_us"].title) in html
