# ruff: noqa: F811 - the fixtures imported from tests.messaging_support are used by name
"""Who answers: keywords before the bot, staff while an escalation is open, the bot again after hand-back,
and nothing lost while Rasa is down."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import select

from api.auth import principal_for_staff
from api.i18n.catalog import render
from api.messaging import service as messaging
from api.messaging.gateway import (
    HANDOFF_HOLDING,
    OUTAGE_HOLDING,
    STOP_CONFIRMED,
    detected_language,
    neutralise,
)
from api.messaging.gateway.replies import with_emergency
from api.messaging.rasa import FORM_SLOTS
from api.people.models import ConsentEvent, Inburgeraar
from api.settings import ROOT
from api.tasks import service as inbox
from api.tasks.models import Task
from api.worker import Worker
from tests.messaging_support import (  # noqa: F401 - fixtures
    conversation_of,
    dispatcher,
    fake_rasa,
    gateway,
    messages_of,
    post_inbound,
    twilio_settings,
)


@pytest.fixture
def settings(settings, fake_rasa):  # noqa: F811
    # Rasa down here means down, not loading: the holding reply goes out at once (tests/test_bot_readiness.py
    # has the wait that lets a loading Rasa answer without one).
    return twilio_settings(settings, fake_rasa, None, outage_reply_after_seconds=0)


def _sid(n: int) -> str:
    return f"SM{n:032d}"


KEYWORDS = [
    # language, STOP, START, HELP as people in that language would type them
    ("nl", "Stoppen", "Aanmelden", "hulp"),
    ("en", "STOP", "START", "HELP"),
    ("ar", "توقف", "ابدأ", "مساعدة"),
    ("ti", "ደው በል", "ጀምር", "ሓገዝ"),
    ("fa", "توقف", "شروع", "کمک"),
    ("fa_AF", "توقف", "شروع", "کمک"),
    ("tr", "DUR", "Başla", "yardım"),
    ("so", "Jooji", "Bilow", "Caawimo"),
    ("ps", "ودروه", "پیل", "مرسته"),
    ("ku", "Raweste", "Dest pê bike", "Alîkarî"),
]


@pytest.mark.parametrize(("language", "stop", "start", "help_word"), KEYWORDS, ids=[k[0] for k in KEYWORDS])
def test_stop_start_help_work_in_every_language_without_the_bot(
    client, make, db, fake_rasa, language, stop, start, help_word
):
    km, _ = make.staff()
    person = make.person(km, language=language)
    post_inbound(client, person.phone, stop, _sid(1))
    db.expire_all()
    assert db.get(Inburgeraar, person.id).consent_state == "opted_out"
    assert db.scalar(select(Task).where(Task.kind == "opted_out")).assignee_id == km.id
    conversation = conversation_of(db, person.id)
    confirmation = messages_of(db, conversation.id)[-1]
    assert confirmation.body == render(language, STOP_CONFIRMED)
    assert confirmation.language == language and confirmation.status == "queued"

    post_inbound(client, person.phone, start, _sid(2))
    db.expire_all()
    assert db.get(Inburgeraar, person.id).consent_state == "granted"
    post_inbound(client, person.phone, help_word, _sid(3))
    assert "14 0513" in messages_of(db, conversation.id)[-1].body
    assert fake_rasa.turns == []
    events = db.scalars(select(ConsentEvent.state).order_by(ConsentEvent.id)).all()
    assert events == ["opted_out", "granted"]


def test_a_sentence_with_stop_in_it_goes_to_the_bot(client, make, db, fake_rasa):
    person = make.person()
    post_inbound(client, person.phone, "stop met sms om 6 uur, ik slaap dan", _sid(1))
    assert len(fake_rasa.turns) == 1
    db.expire_all()
    assert db.get(Inburgeraar, person.id).consent_state == "granted"


def test_after_stop_nothing_automatic_goes_out_but_answers_do(client, make, db, fake_rasa):
    person = make.person()
    post_inbound(client, person.phone, "STOP", _sid(1))
    conversation = conversation_of(db, person.id)
    reminder = messaging.queue_outbound(db, conversation, "Herinnering", kind="reminder")
    broadcast = messaging.queue_outbound(db, conversation, "Nieuws", kind="broadcast")
    db.commit()
    assert (reminder.status, reminder.error_code) == ("cancelled", "opted_out")
    assert broadcast.status == "cancelled"
    post_inbound(client, person.phone, "hallo", _sid(2))
    assert messages_of(db, conversation.id)[-1].kind == "bot_reply"
    assert messages_of(db, conversation.id)[-1].status == "queued"


def test_while_an_escalation_is_open_the_bot_is_silent_and_holds_once(client, make, db, fake_rasa):
    km, km_headers = make.staff()
    person = make.person(km)
    post_inbound(client, person.phone, "hallo", _sid(1))
    conversation = conversation_of(db, person.id)
    escalation = inbox.open_escalation(db, conversation.id, inburgeraar_id=person.id, reason="request_human")
    db.commit()
    post_inbound(client, person.phone, "ik wil iemand spreken", _sid(2))
    post_inbound(client, person.phone, "hallo??", _sid(3))
    assert len(fake_rasa.turns) == 1
    after = messages_of(db, conversation.id)
    holding = [m for m in after if m.body == render("nl", HANDOFF_HOLDING)]
    assert len(holding) == 1
    assert [m.status for m in after if m.direction == "in"] == ["processed"] * 3
    view = client.get(f"/api/v1/inburgeraars/{person.id}/messages", headers=km_headers).json()
    assert [m["body"] for m in view if m["direction"] == "in"][-2:] == ["ik wil iemand spreken", "hallo??"]

    inbox.claim(db, principal_for_staff(km), escalation.id)
    db.commit()
    post_inbound(client, person.phone, "nog iets", _sid(4))
    assert len(fake_rasa.turns) == 1  # claimed: still silent, and no second holding reply
    assert len([m for m in messages_of(db, conversation.id) if m.body == render("nl", HANDOFF_HOLDING)]) == 1

    inbox.resolve(db, principal_for_staff(km), escalation.id, resolution="by_phone")
    db.commit()
    post_inbound(client, person.phone, "hallo weer", _sid(5))
    assert len(fake_rasa.turns) == 2  # handed back: the bot answers again
    # ... but first any form the hand-off interrupted is closed, so "hallo weer" cannot answer it
    sender = fake_rasa.turns[1]["sender"]
    assert [s for s, _ in fake_rasa.appended] == [sender]
    events = fake_rasa.appended[0][1]
    assert events[0] == {"event": "active_loop", "name": None}
    assert {e["name"] for e in events[1:]} == {"requested_slot", *FORM_SLOTS}
    post_inbound(client, person.phone, "en nog iets", _sid(6))
    assert len(fake_rasa.appended) == 1  # once per hand-back


def test_every_slot_a_form_fills_is_cleared_after_a_hand_back():
    domain = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
    in_forms = {slot for form in domain["forms"].values() for slot in form["required_slots"]}
    assert set(FORM_SLOTS) == in_forms


def test_a_new_escalation_gets_its_own_holding_reply(client, make, db, fake_rasa):
    km, _ = make.staff()
    person = make.person(km)
    post_inbound(client, person.phone, "hallo", _sid(1))
    conversation = conversation_of(db, person.id)
    for n in (2, 3):
        escalation = inbox.open_escalation(
            db, conversation.id, inburgeraar_id=person.id, reason="request_human"
        )
        db.commit()
        post_inbound(client, person.phone, "hallo?", _sid(n))
        inbox.resolve(db, principal_for_staff(km), escalation.id, resolution="no_answer_needed")
        db.commit()
    holding = [m for m in messages_of(db, conversation.id) if m.body == render("nl", HANDOFF_HOLDING)]
    assert len(holding) == 2


def test_holding_reply_can_be_switched_off(app, client, make, db, fake_rasa):
    app.state.settings = app.state.settings.model_copy(update={"handoff_holding_reply": False})
    person = make.person()
    post_inbound(client, person.phone, "hallo", _sid(1))
    conversation = conversation_of(db, person.id)
    inbox.open_escalation(db, conversation.id, inburgeraar_id=person.id, reason="request_human")
    db.commit()
    post_inbound(client, person.phone, "hallo?", _sid(2))
    assert [m.direction for m in messages_of(db, conversation.id)] == ["in", "out", "in"]


def test_stop_while_escalated_is_still_honoured(client, make, db):
    person = make.person()
    post_inbound(client, person.phone, "hallo", _sid(1))
    conversation = conversation_of(db, person.id)
    inbox.open_escalation(db, conversation.id, inburgeraar_id=person.id, reason="request_human")
    db.commit()
    post_inbound(client, person.phone, "stop", _sid(2))
    db.expire_all()
    assert db.get(Inburgeraar, person.id).opted_out


def test_rasa_down_keeps_messages_holds_once_and_replays_in_order(
    client, make, db, fake_rasa, database, settings
):
    person = make.person()
    fake_rasa.stop()
    for n, text in enumerate(["hallo", "ik ben ziek", "mijn afspraak"], start=1):
        assert post_inbound(client, person.phone, text, _sid(n)).status_code == 200
    conversation = conversation_of(db, person.id)
    stored = messages_of(db, conversation.id)
    assert [m.status for m in stored if m.direction == "in"] == ["received"] * 3
    assert [m.body for m in stored if m.direction == "out"] == [
        with_emergency("nl", render("nl", OUTAGE_HOLDING))
    ]

    fake_rasa.start(port=fake_rasa.port)
    worker = Worker(
        settings, database, dispatcher=dispatcher(database, settings), gateway=gateway(database, settings)
    )
    result = worker.run_once()
    assert result.replayed == 3
    assert [t["text"] for t in fake_rasa.turns] == ["hallo", "ik ben ziek", "mijn afspraak"]
    after = messages_of(db, conversation.id)
    assert [m.status for m in after if m.direction == "in"] == ["processed"] * 3
    assert [m.kind for m in after if m.direction == "out"] == [
        "system",
        "bot_reply",
        "bot_reply",
        "bot_reply",
    ]
    assert conversation_of(db, person.id).outage_reply_sent_at is None  # next outage: a new holding reply
    worker.close()


def test_rasa_answering_too_late_does_not_cause_a_second_turn(
    client, make, db, fake_rasa, database, settings
):
    person = make.person()
    fake_rasa.mode, fake_rasa.delay = "slow_after_turn", 1.5  # the turn happens, the answer comes too late
    post_inbound(client, person.phone, "hallo", _sid(1))
    conversation = conversation_of(db, person.id)
    assert messages_of(db, conversation.id)[0].status == "received"
    fake_rasa.mode = "ok"
    outcome = gateway(database, settings).replay_pending()
    assert outcome.handled == 1
    assert len(fake_rasa.turns) == 1  # looked up in the tracker, not asked again
    replies = [m.body for m in messages_of(db, conversation.id) if m.kind == "bot_reply"]
    assert replies == ["Hallo! Waarmee kan ik helpen?"]


def test_rasa_error_is_treated_like_down(client, make, db, fake_rasa):
    person = make.person()
    fake_rasa.mode = "error"
    post_inbound(client, person.phone, "hallo", _sid(1))
    conversation = conversation_of(db, person.id)
    assert messages_of(db, conversation.id)[0].status == "received"


def test_worker_opens_one_task_for_messages_waiting_too_long(client, make, db, fake_rasa, database, settings):
    from datetime import timedelta

    from api.db import utcnow

    person = make.person()
    fake_rasa.stop()
    post_inbound(client, person.phone, "hallo", _sid(1))
    post_inbound(client, person.phone, "hallo?", _sid(2))
    assert gateway(database, settings).flag_stale(utcnow() + timedelta(minutes=11)) == 1
    assert gateway(database, settings).flag_stale(utcnow() + timedelta(minutes=12)) == 0
    db.expire_all()
    assert db.scalar(select(Task.kind)) == "message_while_bot_down"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("ik ben morgen ziek en kan niet komen", "nl", id="dutch"),
        pytest.param("ابني مريض ولا أستطيع الحضور غدا", "ar", id="arabic"),
        pytest.param("ኣነ ሕማም ኣለኒ ጽባሕ ክመጽእ ኣይክእልን", "ti", id="ethiopic-is-tigrinya"),
        pytest.param("yarın gelemiyorum çünkü hastayım", "tr", id="turkish"),
        pytest.param("ziek", None, id="one-word-never"),
        pytest.param("ok dank je", None, id="unsure-short"),
    ],
)
def test_language_is_detected_only_for_three_words_with_confidence(text, expected):
    assert detected_language(text) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("/greet", "greet"),
        ("  / / x", "x"),
        ("hallo /greet", "hallo /greet"),
        ("／stop", "stop"),
        ("///", ""),
        ('/report_absence{"absence_reason": "sick", "appointment_id": "7"}', "report absence"),
        ("/confirm_attendance@0.99", "confirm attendance"),
        ("ik kom {misschien}", "ik kom {misschien}"),
    ],
)
def test_neutralise_strips_only_leading_slashes(typed, expected):
    assert neutralise(typed) == expected


def test_a_message_that_breaks_processing_does_not_stop_the_others(
    client, make, db, fake_rasa, database, settings
):
    broken, fine = make.person(), make.person()
    fake_rasa.stop()
    post_inbound(client, broken.phone, "hallo", _sid(1))
    post_inbound(client, fine.phone, "hallo", _sid(2))
    fake_rasa.start(port=fake_rasa.port)
    gw = gateway(database, settings)
    original = gw._bot_turn

    def explode_for_one(db_, conversation, person, message):
        if person.id == broken.id:
            raise RuntimeError("a bug")
        return original(db_, conversation, person, message)

    gw._bot_turn = explode_for_one
    outcome = gw.replay_pending()
    assert outcome.handled == 1
    assert messages_of(db, conversation_of(db, broken.id).id)[0].status == "received"  # kept for staff
    assert messages_of(db, conversation_of(db, fine.id).id)[0].status == "processed"
