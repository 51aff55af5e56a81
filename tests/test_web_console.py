"""The coordinator's console: broadcast composer and dashboard, reminder policy overview."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from api.audit.models import AuditEvent
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


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} on the page"
    return match.group(1)


def _preview_then_send(browser, **fields):
    """Preview the form, then press "Versturen zoals hierboven" (the form as the preview page holds it)."""
    preview = _compose(browser, "/ui/broadcasts/preview", **fields)
    assert preview.status_code == 200, preview.text[:800]
    sent = {
        "preview_id": _hidden(preview.text, "preview_id"),
        "fingerprint": _hidden(preview.text, "fingerprint"),
        **fields,
    }
    return preview, browser.post(
        "/ui/broadcasts", data={"csrf_token": csrf_of(preview.text), **sent}, follow_redirects=False
    )


EXCURSION = {"template": "appointment_reminder", "audience_type": "appointment", "send_mode": "now"}


def test_the_composer_previews_per_language_and_channel_with_the_recipients(
    web, make, db, excursion, settings
):
    coordinator, _ = make.staff("coordinator")
    with time_machine.travel(OPEN, tick=False):
        response = _compose(
            web(coordinator), "/ui/broadcasts/preview", **EXCURSION, appointment_id=str(excursion.id)
        )
    assert response.status_code == 200, response.text[:800]
    html = response.text
    assert "Ontvangers: 4." in html and "1 met STOP" in html
    template = broadcasts.TEMPLATES["appointment_reminder"]
    values = broadcasts.check_variables(template, {}, excursion)
    arabic = broadcasts.Renderer(template, values, settings).text("ar", "Persoon ar")
    assert f'<p dir="auto" lang="ar" class="body">{arabic}</p>' in html
    assert f'data-label="SMS-delen per bericht">{segments.count(arabic).segments} (UCS-2)</td>' in html
    assert "Arabisch" in html and "Tigrinya" in html and "Nederlands" in html
    assert "Kosten per kanaal" in html and "€" in html and 'formaction="/ui/broadcasts"' in html
    recipients = html.split('class="recipients"', 1)[1].split("</table>", 1)[0]
    assert recipients.count("<tr>") == 5 + 1  # the head and everyone on the appointment, by name
    assert "<bdi>Persoon ti</bdi>" in recipients and "Wil geen berichten (STOP)" in recipients
    assert "Gaat uit op" in html
    record = db.scalar(select(Broadcast))
    assert record.status == "previewed" and _hidden(html, "fingerprint") == record.fingerprint
    assert not db.scalars(select(Message)).all()  # a preview sends nothing


def test_the_broadcast_sent_is_the_preview_and_its_page_shows_recipients_texts_and_cost(
    web, make, db, excursion, settings
):
    coordinator, _ = make.staff("coordinator")
    browser = web(coordinator)
    with time_machine.travel(OPEN, tick=False):
        preview, response = _preview_then_send(browser, **EXCURSION, appointment_id=str(excursion.id))
        assert response.status_code == 303, response.text[:800]
        broadcast = db.scalar(select(Broadcast))
        assert response.headers["location"] == f"/ui/broadcasts/{broadcast.id}?done=scheduled"
        assert "Gepland" in browser.get(response.headers["location"]).text
        broadcasts.dispatch_due(db, OPEN, settings=settings, policy=load_policy())
        db.commit()
        html = browser.get(f"/ui/broadcasts/{broadcast.id}").text
    assert "Aflevering" in html and "4 berichten in de wachtrij gezet" in html
    sent = {m.language: m.body for m in db.scalars(select(Message).where(Message.kind == "broadcast"))}
    assert set(sent) == {"ar", "nl", "ti"}
    for text in sent.values():  # each language's text as the preview showed it, and as the page shows it
        assert f">{text}</p>" in preview.text and f">{text}</p>" in html
    recipients = html.split('class="recipients"', 1)[1].split("</table>", 1)[0]
    assert "<bdi>Persoon ar</bdi>" in recipients and "In de wachtrij" in recipients and "SMS" in recipients
    assert "Kosten per kanaal" in html


def test_a_form_changed_after_the_preview_is_refused_and_shown_again_as_it_was_sent(web, make, db):
    km, _ = make.staff(name="Fatima de Vries")
    amina = make.person(km, name="Amina Haddad")
    make.person(km, name="Yonas Tesfay")
    coordinator, _ = make.staff("coordinator")
    browser = web(coordinator)
    one_person = {"template": "call_us", "audience_type": "list", "person": str(amina.id), "send_mode": "now"}
    with time_machine.travel(OPEN, tick=False):
        preview = _compose(browser, "/ui/broadcasts/preview", **one_person)
        changed = {**one_person, "audience_type": "caseload", "klantmanager_id": str(km.id)}
        response = browser.post(
            "/ui/broadcasts",
            data={
                "csrf_token": csrf_of(preview.text),
                "preview_id": _hidden(preview.text, "preview_id"),
                "fingerprint": _hidden(preview.text, "fingerprint"),
                **changed,
            },
            follow_redirects=False,
        )
    assert response.status_code == 409
    html = response.text
    assert "Het formulier is veranderd na het voorbeeld (wie het bericht krijgt)" in html
    assert "Er is niets verstuurd" in html and 'id="preview-error" tabindex="-1" autofocus' in html
    assert 'id="audience-caseload" value="caseload" checked' in html  # the form as it was sent
    assert f'<option value="{km.id}" selected>' in html
    assert "Versturen zoals hierboven" not in html  # no preview to send: preview again
    statuses = db.scalars(select(Broadcast.status)).all()
    assert statuses == ["previewed"] and not db.scalars(select(Message)).all()


def test_sending_needs_a_preview(web, make, db):
    km, _ = make.staff()
    make.person(km, leerroute="b1")
    coordinator, _ = make.staff("coordinator")
    with time_machine.travel(OPEN, tick=False):
        response = _compose(
            web(coordinator), "/ui/broadcasts", template="call_us", audience_type="leerroute", leerroute="b1"
        )
    assert response.status_code == 400
    assert "Bekijk eerst het voorbeeld" in response.text and db.scalar(select(Broadcast)) is None


def test_people_are_chosen_by_name_not_by_number(web, make, db):
    km, _ = make.staff()
    amina = make.person(km, name="Amina Haddad", language="ar")
    make.person(km, name="Yonas Tesfay")
    coordinator, _ = make.staff("coordinator")
    browser = web(coordinator)
    with time_machine.travel(OPEN, tick=False):
        found = _compose(browser, "/ui/broadcasts/new", template="call_us", person_query="amina")
        assert found.status_code == 200
        assert (
            f'id="person-{amina.id}" value="{amina.id}"' in found.text
            and "<bdi>Amina Haddad</bdi>" in found.text
        )
        assert "Yonas" not in found.text and 'id="audience-list" value="list" checked' in found.text
        assert 'name="inburgeraar_ids"' not in found.text  # no numbers to type
        preview = _compose(
            browser, "/ui/broadcasts/preview", template="call_us", audience_type="list", person=str(amina.id)
        )
    assert "Ontvangers: 1." in preview.text
    assert f'id="person-{amina.id}" value="{amina.id}" checked' in preview.text
    reads = db.scalars(select(AuditEvent).where(AuditEvent.action == "read")).all()
    assert [amina.id] in [e.detail.get("inburgeraars") for e in reads]


def test_the_preview_shows_the_later_time_it_will_go_out(web, make, db):
    km, _ = make.staff()
    make.person(km, leerroute="b1")
    coordinator, _ = make.staff("coordinator")
    fields = {"template": "call_us", "audience_type": "leerroute", "leerroute": "b1"}
    with time_machine.travel(OPEN, tick=False):
        response = _compose(
            web(coordinator),
            "/ui/broadcasts/preview",
            **fields,
            send_mode="later",
            send_at="2026-03-05T14:30",
        )
    assert "Gaat uit op do 5 mrt 14:30." in " ".join(response.text.split())
    assert db.scalar(select(Broadcast)).send_at == datetime(2026, 3, 5, 13, 30, tzinfo=UTC)


def test_cancelling_asks_first_on_a_page_of_its_own(web, make, db, excursion):
    coordinator, _ = make.staff("coordinator")
    browser = web(coordinator)
    with time_machine.travel(OPEN, tick=False):
        _, sent = _preview_then_send(
            browser,
            **{**EXCURSION, "template": "call_us"},
            appointment_id=str(excursion.id),
        )
        broadcast = db.scalar(select(Broadcast))
        page = browser.get(f"/ui/broadcasts/{broadcast.id}").text
        assert f'href="/ui/broadcasts/{broadcast.id}/cancel"' in page
        assert f'action="/ui/broadcasts/{broadcast.id}/cancel"' not in page  # one click does not cancel
        unconfirmed = post_form(
            browser, f"/ui/broadcasts/{broadcast.id}", f"/ui/broadcasts/{broadcast.id}/cancel"
        )
        assert unconfirmed.headers["location"] == f"/ui/broadcasts/{broadcast.id}/cancel"
        db.refresh(broadcast)
        assert broadcast.status == "scheduled"
        confirm = browser.get(f"/ui/broadcasts/{broadcast.id}/cancel")
        assert "Groepsbericht annuleren?" in confirm.text and "Ja, annuleren" in confirm.text
        response = post_form(
            browser,
            f"/ui/broadcasts/{broadcast.id}/cancel",
            f"/ui/broadcasts/{broadcast.id}/cancel",
            {"confirmed": "yes"},
        )
    assert response.headers["location"] == f"/ui/broadcasts/{broadcast.id}?done=cancelled"
    db.refresh(broadcast)
    assert broadcast.status == "cancelled"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"audience_type": "leerroute", "leerroute": "b1"}, "template"),
        ({"template": "call_us", "audience_type": "appointment"}, "appointment_id"),
        ({"template": "call_us", "audience_type": "list"}, "people"),
        ({"template": "call_us", "audience_type": "list", "person": "999"}, "people"),
        ({"template": "office_closed", "audience_type": "leerroute", "leerroute": "b1"}, "date"),
        (
            {
                "template": "office_closed",
                "date": "2026-03-02",
                "audience_type": "leerroute",
                "leerroute": "b1",
            },
            "date",
        ),
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
        "nobody-chosen",
        "unknown-person",
        "missing-date",
        "date-already-past",
        "later-without-time",
        "in-the-past",
        "unknown-leerroute",
    ],
)
def test_a_bad_composer_form_is_shown_again_with_the_message_at_the_field_focused(
    web, make, db, fields, field
):
    km, _ = make.staff()
    make.person(km, leerroute="b1")
    coordinator, _ = make.staff("coordinator")
    with time_machine.travel(OPEN, tick=False):
        response = _compose(web(coordinator), "/ui/broadcasts/preview", **fields)
    assert response.status_code == 400
    html = response.text
    assert f'<p class="field-error" id="{field}-error">' in html
    marked = re.findall(r"<(?:input|select|textarea)[^>]*autofocus[^>]*>", html)
    assert len(marked) == 1, marked  # exactly one field takes the focus: the one with the error
    assert f'aria-describedby="{field}-error"' in html
    for name, value in fields.items():  # what was filled in is still there
        if name in ("leerroute", "date", "send_at") and value != "x":
            assert f'value="{value}"' in html
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
