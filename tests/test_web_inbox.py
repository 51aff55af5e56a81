"""The klantmanager's inbox: the escalation queue, conversations with what the bot understood, replies."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from api.audit.models import AuditEvent
from api.db import utcnow
from api.i18n import segments
from api.i18n.catalog import render
from api.i18n.formatting import isolate
from api.messaging.models import Message, OutboxItem
from api.tasks.models import Escalation
from api.web.canned import CANNED_REPLIES
from tests.web_helpers import escalate, inbound, open_browsers, post_form


@pytest.fixture
def web(app):
    yield from open_browsers(app)


def _queue_names(html: str) -> list[str]:
    return re.findall(r'/conversation"><bdi>([^<]+)</bdi>', html)


def test_the_queue_shows_urgent_questions_first_then_the_oldest(web, make, db):
    km, _ = make.staff()
    now = utcnow()
    for name, urgent, age in [
        ("Nieuw", False, 1),
        ("Oud", False, 30),
        ("Dringend nieuw", True, 2),
        ("Dringend oud", True, 10),
    ]:
        escalate(db, make.person(km, name=name), urgent=urgent, created_at=now - timedelta(minutes=age))
    html = web(km).get("/ui/inbox").text
    assert _queue_names(html) == ["Dringend oud", "Dringend nieuw", "Oud", "Nieuw"]


def test_the_queue_holds_only_open_questions_of_the_own_caseload(web, make, db):
    km, _ = make.staff()
    colleague, _ = make.staff()
    escalate(db, make.person(km, name="Mijn persoon"))
    escalate(db, make.person(colleague, name="Andere persoon"))
    done = escalate(db, make.person(km, name="Al klaar"))
    done.status = "resolved"
    db.commit()
    assert _queue_names(web(km).get("/ui/inbox").text) == ["Mijn persoon"]


def test_claiming_and_resolving_hand_the_conversation_back_to_the_bot(web, make, db):
    km, _ = make.staff()
    escalation = escalate(db, make.person(km))
    browser = web(km)
    response = post_form(browser, "/ui/inbox", f"/ui/escalations/{escalation.id}/claim")
    assert response.headers["location"] == "/ui/inbox?done=claimed"
    db.refresh(escalation)
    assert (escalation.status, escalation.assignee_id) == ("claimed", km.id)
    assert "Je behandelt deze vraag nu." in browser.get(response.headers["location"]).text
    post_form(browser, "/ui/inbox", f"/ui/escalations/{escalation.id}/resolve", {"resolution": "by_phone"})
    db.refresh(escalation)
    assert escalation.status == "resolved" and escalation.resolved_at is not None
    assert escalation.resolution == "by_phone"


def test_a_klantmanager_cannot_claim_a_question_from_another_caseload(web, make, db):
    km, _ = make.staff()
    colleague, _ = make.staff()
    escalation = escalate(db, make.person(colleague))
    response = post_form(web(km), "/ui/inbox", f"/ui/escalations/{escalation.id}/claim")
    assert response.status_code == 403
    db.refresh(escalation)
    assert escalation.status == "open"


def test_a_klantmanager_cannot_open_another_caseloads_conversation_and_the_attempt_is_audited(web, make, db):
    km, _ = make.staff()
    colleague, _ = make.staff()
    other = make.person(colleague, name="Niet van mij")
    inbound(db, other, "Geheim bericht")
    response = web(km).get(f"/ui/people/{other.id}/conversation")
    assert response.status_code == 403
    assert "Geheim bericht" not in response.text and "Niet van mij" not in response.text
    assert "Geen toegang" in response.text
    denied = db.scalars(select(AuditEvent).where(AuditEvent.result == "denied")).all()
    assert [(e.actor, e.object_type, e.object_id) for e in denied] == [
        (f"staff:{km.id}", "inburgeraar", str(other.id))
    ]


def test_a_coordinator_never_sees_conversation_contents(web, make, db):
    km, _ = make.staff()
    coordinator, _ = make.staff("coordinator")
    person = make.person(km)
    inbound(db, person, "Persoonlijk verhaal")
    browser = web(coordinator)
    for path in (f"/ui/people/{person.id}/conversation", "/ui/inbox", "/ui/tasks", "/ui/caseload"):
        response = browser.get(path)
        assert response.status_code == 403, path
        assert "Persoonlijk verhaal" not in response.text


def test_every_conversation_view_is_audit_logged(web, make, db):
    km, _ = make.staff()
    person = make.person(km)
    browser = web(km)
    for _ in range(2):
        assert browser.get(f"/ui/people/{person.id}/conversation").status_code == 200
    reads = db.scalars(select(AuditEvent).where(AuditEvent.object_type == "conversation")).all()
    assert [(e.actor, e.action, e.object_id, e.result) for e in reads] == [
        (f"staff:{km.id}", "read", str(person.id), "ok")
    ] * 2


def test_an_arabic_message_is_kept_as_written_and_annotated_in_dutch(web, make, db):
    km, _ = make.staff()
    person = make.person(km, language="ar", name="Amina Haddad")
    arabic = "أنا مريضة اليوم ولا أستطيع الحضور"
    inbound(
        db,
        person,
        arabic,
        language="ar",
        intent="report_absence",
        intent_confidence=0.91,
        entities=[{"entity": "reason", "value": "sick"}],
    )
    html = web(km).get(f"/ui/people/{person.id}/conversation").text
    assert f'<p class="body" dir="auto" lang="ar">{arabic}</p>' in html
    understood = re.search(r'<p class="understood">(.*?)</p>', html, re.S).group(1)
    assert "Meldt zich af voor een afspraak" in understood and "91" in understood
    assert "reden: ziek" in understood and "taal: Arabisch" in understood
    assert "<bdi>Amina Haddad</bdi>" in html


def test_a_message_in_another_language_than_the_profile_is_flagged(web, make, db):
    km, _ = make.staff()
    person = make.person(km, language="ar")
    inbound(
        db,
        person,
        "Ik kan morgen niet komen want ik werk",
        language="nl",
        intent="report_absence",
        entities=[{"entity": "reason", "value": "work"}],
    )
    html = web(km).get(f"/ui/people/{person.id}/conversation").text
    assert "taal: Nederlands" in html and "anders dan het profiel" in html


def test_a_canned_reply_is_chosen_in_dutch_and_queued_in_the_persons_language(web, make, db):
    km, _ = make.staff(name="Fatima de Vries")
    person = make.person(km, language="ar", name="Amina Haddad")
    escalation = escalate(db, person)
    browser = web(km)
    page = browser.get(f"/ui/people/{person.id}/conversation").text
    dutch = render("nl", CANNED_REPLIES["will_call"], name="Amina", klantmanager="Fatima de Vries")
    expected = render(
        "ar",
        CANNED_REPLIES["will_call"],
        name=isolate("ar", "Amina"),
        klantmanager=isolate("ar", "Fatima de Vries"),
    )
    assert "\u2068Amina\u2069" in expected  # names keep their direction inside Arabic
    assert f'<label for="canned-will_call">{dutch}</label>' in page
    assert f"SMS-delen: {segments.count(expected).segments}, {segments.count(expected).encoding}" in page
    response = post_form(
        browser,
        f"/ui/people/{person.id}/conversation",
        f"/ui/people/{person.id}/reply",
        {"canned": "will_call"},
    )
    assert response.headers["location"] == f"/ui/people/{person.id}/conversation?done=reply_queued"
    message = db.scalar(select(Message).where(Message.kind == "staff_reply"))
    assert (message.body, message.language, message.staff_id, message.direction) == (
        expected,
        "ar",
        km.id,
        "out",
    )
    outbox = db.scalar(select(OutboxItem).where(OutboxItem.message_id == message.id))
    assert outbox is not None and outbox.body == expected
    db.refresh(escalation)
    assert (escalation.status, escalation.assignee_id) == ("claimed", km.id)  # answering claims it
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "reply")).object_id == str(person.id)


def test_a_free_text_reply_is_queued_as_written_and_signed_with_the_first_name(web, make, db):
    km, _ = make.staff(name="Fatima de Vries")
    person = make.person(km)
    browser = web(km)
    post_form(
        browser,
        f"/ui/people/{person.id}/conversation",
        f"/ui/people/{person.id}/reply",
        {"text": "  Ik bel je morgen om 10 uur.  "},
    )
    message = db.scalar(select(Message).where(Message.kind == "staff_reply"))
    assert message.body == "Ik bel je morgen om 10 uur.\n- Fatima" and message.segments == 1
    page = browser.get(f"/ui/people/{person.id}/conversation?done=reply_queued").text
    assert "Je antwoord staat klaar om te versturen." in page and "Ik bel je morgen om 10 uur." in page
    assert "Antwoord van een medewerker: <bdi>Fatima de Vries</bdi>" in page  # who sent it, in the UI


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"text": "   "}, "text"),
        ({"text": "hoi", "canned": "will_call"}, "text"),
        ({"canned": "nope"}, "canned"),
        ({"text": "x" * 1601}, "text"),
    ],
    ids=["empty", "both", "unknown-canned", "too-long"],
)
def test_a_bad_reply_is_refused_with_the_field_named_and_nothing_queued(web, make, db, data, field):
    km, _ = make.staff()
    person = make.person(km)
    response = post_form(
        web(km), f"/ui/people/{person.id}/conversation", f"/ui/people/{person.id}/reply", data
    )
    assert response.status_code == 400
    assert f'role="alert" id="{field}-error"' in response.text
    assert f'aria-describedby="{field}-error"' in response.text or field == "text"
    assert db.scalar(select(Message).where(Message.kind == "staff_reply")) is None


def test_no_reply_goes_to_someone_who_sent_stop(web, make, db):
    km, _ = make.staff()
    person = make.person(km, consent_state="opted_out")
    browser = web(km)
    page = browser.get(f"/ui/people/{person.id}/conversation").text
    assert "Deze persoon heeft STOP gestuurd." in page and 'name="canned"' not in page
    response = browser.post(
        f"/ui/people/{person.id}/reply", data={"csrf_token": _csrf(page), "text": "Hallo"}
    )
    assert response.status_code == 409
    assert db.scalar(select(Message).where(Message.kind == "staff_reply")) is None


def test_a_klantmanager_cannot_reply_into_another_caseload(web, make, db):
    km, _ = make.staff()
    colleague, _ = make.staff()
    other = make.person(colleague)
    browser = web(km)
    page = browser.get("/ui/inbox").text
    response = browser.post(f"/ui/people/{other.id}/reply", data={"csrf_token": _csrf(page), "text": "Hallo"})
    assert response.status_code == 403
    assert db.scalar(select(Message).where(Message.kind == "staff_reply")) is None


@pytest.mark.parametrize(
    ("last_whatsapp_hours_ago", "warned"),
    [(None, True), (30, True), (23, False)],
    ids=["never-wrote", "window-closed", "window-open"],
)
def test_a_whatsapp_reply_outside_the_24_hour_window_is_warned_about(
    web, make, db, last_whatsapp_hours_ago, warned
):
    km, _ = make.staff()
    person = make.person(km, whatsapp_opt_in=True)
    if last_whatsapp_hours_ago is not None:
        inbound(
            db, person, "Hallo", channel="whatsapp", at=utcnow() - timedelta(hours=last_whatsapp_hours_ago)
        )
    html = web(km).get(f"/ui/people/{person.id}/conversation").text
    assert ('id="whatsapp-window"' in html) is warned


def test_sms_conversations_get_no_whatsapp_warning(web, make, db):
    km, _ = make.staff()
    person = make.person(km)
    inbound(db, person, "Hallo", channel="sms", at=utcnow() - timedelta(days=3))
    assert 'id="whatsapp-window"' not in web(km).get(f"/ui/people/{person.id}/conversation").text


def test_escalation_summary_and_transcript_show_in_order_with_delivery_state(web, make, db):
    km, _ = make.staff()
    person = make.person(km)
    inbound(db, person, "Eerste vraag")
    escalate(db, person, reason="fallback", urgent=True, summary="Vraag over geld")
    html = web(km).get(f"/ui/people/{person.id}/conversation").text
    assert "Dringend" in html and "De assistent begreep het niet" in html and "Vraag over geld" in html
    assert html.index("Eerste vraag") < html.index('id="reply-title"')
    assert db.scalar(select(Escalation)).status == "open"


def _csrf(html: str) -> str:
    from tests.web_helpers import csrf_of

    return csrf_of(html)


def test_the_transcript_shows_every_number_with_a_marker_where_the_new_number_starts(web, make, db, client):

    km, _ = make.staff()
    person = make.person(km, phone="+31611110001")
    inbound(db, person, "vanaf het oude nummer")
    moved = client.patch(
        f"/api/v1/inburgeraars/{person.id}",
        json={"phone": "+31611110002"},
        headers=make.staff("coordinator")[1],
    )
    assert moved.status_code == 200
    db.expire_all()
    inbound(db, person, "vanaf het nieuwe nummer")

    html = web(km).get(f"/ui/people/{person.id}/conversation").text

    old, marker, new = (
        html.index("vanaf het oude nummer"),
        html.index("Vanaf hier: het nieuwe telefoonnummer"),
        html.index("vanaf het nieuwe nummer"),
    )
    assert old < marker < new


@pytest.mark.parametrize("length", [1601, 5001], ids=["longer-than-a-message", "longer-than-the-form-takes"])
def test_a_reply_that_is_too_long_comes_back_focused_with_the_draft_and_the_reason(web, make, db, length):
    km, _ = make.staff()
    person = make.person(km)
    draft = ("Beste Amina, ik bel je morgen. " * 200)[:length]
    response = post_form(
        web(km), f"/ui/people/{person.id}/conversation", f"/ui/people/{person.id}/reply", {"text": draft}
    )
    assert response.status_code == 400
    html = response.text
    assert 'id="text-error">Je bericht is te lang. Maak het korter: hoogstens 1600 tekens.</p>' in html
    (focused,) = re.findall(r"<(?:input|textarea|select)[^>]*autofocus[^>]*>", html)
    assert 'id="reply-text"' in focused and 'aria-invalid="true"' in focused
    assert f">{draft}</textarea>" in html
    assert db.scalar(select(Message).where(Message.kind == "staff_reply")) is None
