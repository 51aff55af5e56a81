"""Live, with the trained model: Rasa's HTTP API, its gateway channel, the action server and /nlg refuse
callers without their secret while the authenticated path works; and after a conversation with reminders,
a staff login and Twilio failures, no process's log holds a phone number, a message body, a name or a
token.

One stack of its own (API, worker, Rasa, action server, on SQLite) with Twilio's API played by
tests/doubles.TwilioDouble and a reminder policy whose send window is always open.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.orm import Session

from api.localstack import trained_model
from api.messaging.models import DeliveryStatus, Direction, Message, OutboxItem, OutboxStatus
from api.reminders import ics
from api.reminders.models import Reminder
from api.settings import Settings
from tests.doubles import TwilioDouble
from tests.messaging_support import ACCOUNT_SID, AUTH_TOKEN, PUBLIC, inbound_form, sign

from .conftest import (
    ACTION_SECRET,
    ADMIN_TOKEN,
    BOT_TOKEN,
    RASA_SECRET,
    Stack,
    processes,
    rasa_admin,
    rasa_auth,
    start_stack,
)

pytestmark = pytest.mark.rasa

SESSION_SECRET = "e2e-session-secret-3e4f5a6b7c8d9e0f1a2b"
SENDER_NUMBER = "+3197010000001"
PASSWORD = "lang-en-geheim-wachtwoord-7"
POLICY = {
    "timezone": "Europe/Amsterdam",
    "reminders": {"default": ["3d", "1d", "2h"]},
    "send_window": {"start": "00:00", "end": "23:59"},
    "holidays": [],
    "min_lead_minutes": 30,
    "min_gap_hours": 0,
}
# What a person writes; long enough that finding one in a log cannot be a coincidence.
SAID = [
    "Hallo, goedemorgen allemaal",
    "Wanneer is mijn volgende afspraak precies?",
    "Ik ben ziek, ik kan niet komen",
]


@dataclass
class Live:
    stack: Stack
    twilio: TwilioDouble
    engine: object
    secrets: dict[str, str] = field(default_factory=dict)

    def logs(self) -> dict[str, str]:
        assert self.stack.logs is not None
        return {path.name: path.read_text(errors="replace") for path in sorted(self.stack.logs.glob("*.log"))}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    model = trained_model()
    if model is None:
        pytest.skip("no trained Rasa model for the current bot data: run `make model` (make test does)")
    tmp = tmp_path_factory.mktemp("hardening")
    policy = tmp / "policy.json"
    policy.write_text(json.dumps(POLICY))
    twilio = TwilioDouble().start()
    env = {
        "PUBLIC_BASE_URL": PUBLIC,
        "SESSION_SECRET": SESSION_SECRET,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_SMS_FROM": SENDER_NUMBER,
        "TWILIO_API_BASE_URL": twilio.url,
        "TWILIO_TIMEOUT_SECONDS": "1",
        "REMINDER_POLICY_PATH": str(policy),
        "WORKER_POLL_SECONDS": "0.2",
        "SIMULATOR_ENABLED": "false",
    }
    try:
        with processes(tmp) as procs:
            stack = start_stack(procs, tmp, model, env, worker=True)
            engine = create_engine(stack.db_url)
            yield Live(stack, twilio, engine)
            engine.dispose()
    finally:
        twilio.stop()


# --- every door wants its key ---------------------------------------------------------------------


def test_rasas_http_api_refuses_tracker_reads_and_writes_without_a_token(live):
    rasa = live.stack.rasa
    assert httpx.get(f"{rasa}/conversations/inb-1/tracker").status_code == 401
    assert httpx.post(f"{rasa}/conversations/inb-1/tracker/events", json=[]).status_code == 401
    assert httpx.post(f"{rasa}/model/parse", json={"text": "hallo"}).status_code == 401
    assert httpx.get(f"{rasa}/conversations/inb-1/tracker", headers=rasa_auth("inb-2")).status_code == 403
    assert httpx.get(f"{rasa}/conversations/inb-1/tracker", headers=rasa_auth("inb-1")).status_code == 200


def test_rasa_takes_messages_only_through_the_authenticated_gateway_channel(live):
    rasa = live.stack.rasa
    message = {"sender": "inb-999", "message": "hallo", "metadata": {"language": "nl", "channel": "sms"}}
    assert httpx.post(f"{rasa}/webhooks/rest/webhook", json=message, timeout=30).status_code == 404
    assert httpx.post(f"{rasa}/webhooks/gateway/webhook", json=message, timeout=30).status_code == 401
    forged = rasa_auth("inb-1")  # a token for someone else's conversation
    assert httpx.post(f"{rasa}/webhooks/gateway/webhook", json=message, headers=forged).status_code == 401
    events = httpx.get(f"{rasa}/conversations/inb-999/tracker", headers=rasa_admin()).json()["events"]
    assert not [e for e in events if e["event"] == "user"]


def test_the_action_server_refuses_a_forged_action_call(live):
    call = {"next_action": "action_session_start", "sender_id": "inb-1", "tracker": {"sender_id": "inb-1"}}
    assert httpx.post(f"{live.stack.actions}/webhook", json=call).status_code == 401
    assert httpx.get(f"{live.stack.actions}/actions").status_code == 401
    wrong = {"Authorization": f"Bearer {BOT_TOKEN}"}
    assert httpx.post(f"{live.stack.actions}/webhook", json=call, headers=wrong).status_code == 401


def test_nlg_refuses_a_caller_without_the_bots_token(live):
    call = {"response": "utter_greet", "arguments": {}, "tracker": {"slots": {"language": "nl"}}}
    assert httpx.post(f"{live.stack.api}/nlg", json=call).status_code == 401
    bot = {"Authorization": f"Bearer {BOT_TOKEN}"}
    assert httpx.post(f"{live.stack.api}/nlg", json=call, headers=bot).json()["text"]


# --- the conversation whose traces are looked for -----------------------------------------------


def _wait_until(condition, seconds: float = 90, what: str = "") -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _count(live: Live, query) -> int:  # noqa: ANN001
    with Session(live.engine) as db:
        return db.scalar(query) or 0


def _settle(live: Live) -> None:
    """Until every inbound message is handled and the outbox holds nothing still to send."""
    waiting = (
        select(func.count())
        .select_from(Message)
        .where(Message.direction == Direction.inbound, Message.status == DeliveryStatus.received)
    )
    unsent = (
        select(func.count())
        .select_from(OutboxItem)
        .where(OutboxItem.status.in_([OutboxStatus.pending, OutboxStatus.sending]))
    )
    _wait_until(lambda: _count(live, waiting) == 0 and _count(live, unsent) == 0, 120, "the stack to settle")


def _api(live: Live, method: str, path: str, **kw) -> httpx.Response:  # noqa: ANN003
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", **kw.pop("headers", {})}  # the admin: accounts only
    response = httpx.request(method, f"{live.stack.api}{path}", headers=headers, timeout=30, **kw)
    assert response.status_code < 300, response.text
    return response


def _text(live: Live, person_phone: str, body: str, n: int) -> None:
    form = inbound_form(person_phone, body, f"SM{n:032d}", To=SENDER_NUMBER)
    signed = sign("/twilio/messages", form)
    response = httpx.post(f"{live.stack.api}/twilio/messages", data=form, headers=signed)
    assert response.status_code == 200, response.text
    live.secrets[f"signature {n}"] = signed["X-Twilio-Signature"]


def _staff_logs_in(live: Live, email: str) -> list[int]:
    """A wrong password, then the right one. The CSRF cookie is Secure (PUBLIC_BASE_URL is https), so
    over this plain-http loopback it is sent back by hand, as the browser behind TLS would."""
    statuses = []
    for password in ("een-verkeerde-gok-123", PASSWORD):
        form = httpx.get(f"{live.stack.api}/ui/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
        cookie = {"Cookie": f"inb_login_csrf={form.cookies['inb_login_csrf']}"}
        data = {"email": email, "password": password, "csrf_token": csrf}
        statuses.append(httpx.post(f"{live.stack.api}/ui/login", data=data, headers=cookie).status_code)
    return statuses


@pytest.fixture(scope="module")
def conversation(live: Live) -> dict[str, list[str]]:
    """A klantmanager, two people, appointments with a notice and a reminder due, a conversation with the
    bot, a staff login, a calendar link opened, and Twilio failing in three ways on the way out."""
    staff = _api(live, "POST", "/api/v1/staff", json={
        "name": "Fatima de Vries", "email": "fatima@hardening.example", "role": "klantmanager",
        "phone": "+31201234567", "password": PASSWORD,
    }).json()  # fmt: skip
    fatima = {"Authorization": f"Bearer {staff['apiToken']}"}  # her caseload, her conversations
    amina = _api(live, "POST", "/api/v1/inburgeraars", headers=fatima, json={
        "name": "Amina Haddad", "phone": "+31612340001", "language": "nl", "doelgroep": "asielstatushouder",
        "klantmanagerId": staff["id"],
    }).json()  # fmt: skip
    yusuf = _api(live, "POST", "/api/v1/inburgeraars", headers=fatima, json={
        "name": "Yusuf Kaya", "phone": "+31612340002", "language": "nl", "doelgroep": "gezinsmigrant",
        "klantmanagerId": staff["id"],
    }).json()  # fmt: skip
    # Twilio: the first send is accepted but answered too late (looked up by number, then not resent),
    # the second hits a rate limit (retried later), the third is refused for good (an undeliverable task).
    live.twilio.timeout_delay = 2.0
    live.twilio.script = ["timeout", "20429", "21211"]
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1, hours=3)
    appointment = _api(live, "POST", "/api/v1/appointments", headers=fatima, json={
        "kind": "voortgangsgesprek", "startsAt": starts.isoformat(), "location": "Stadskantoor Balie 4",
        "participantIds": [amina["id"], yusuf["id"]], "staffId": staff["id"],
    }).json()  # fmt: skip
    with Session(live.engine) as db:  # the "1 day before" reminder is due now, not in three hours
        db.execute(update(Reminder).where(Reminder.slot == "1d").values(due_at=datetime.now(UTC)))
        db.commit()
    for n, body in enumerate(SAID):
        _text(live, amina["phone"], body, n)
        _settle(live)
    assert _staff_logs_in(live, "fatima@hardening.example") == [401, 303]
    settings = Settings(session_secret=SESSION_SECRET, public_base_url=PUBLIC)
    link = ics.make_token(settings, appointment["id"], amina["id"])
    assert httpx.get(f"{live.stack.api}/ics/{link}.ics").status_code == 200
    _api(live, "GET", f"/api/v1/inburgeraars/{amina['id']}/messages", headers=fatima)
    live.secrets |= {"calendar link": link, "staff token": staff["apiToken"], "password": PASSWORD}
    _settle(live)
    sent = [created.body or "" for created in live.twilio.created]
    return {"phones": [amina["phone"], yusuf["phone"], "+31201234567", SENDER_NUMBER], "sent": sent}


def test_the_conversation_went_through_every_part_of_the_stack(live, conversation):
    with Session(live.engine) as db:
        replies = db.scalars(select(Message.body).where(Message.kind == "bot_reply")).all()
        failed = db.scalars(select(OutboxItem).where(OutboxItem.status == OutboxStatus.failed)).all()
        kinds = set(db.scalars(select(Message.kind).where(Message.direction == Direction.outbound)))
    assert len(replies) >= len(SAID)  # Rasa, the actions and /nlg all answered, with their secrets
    assert {"notice", "reminder", "bot_reply"} <= {str(k) for k in kinds}
    assert [row.last_error_code for row in failed] == ["21211"]
    assert live.twilio.posts >= 4  # including the retried and the looked-up one


def _needles(live: Live, conversation: dict[str, list[str]]) -> dict[str, str]:
    needles = {f"phone {p}": p[3:] for p in conversation["phones"]}  # also matches 06..., 0031..., %2B31...
    needles |= {"name": "Amina Haddad", "surname": "Kaya", "staff name": "de Vries", "email": "fatima@"}
    needles |= {f"said {n}": body for n, body in enumerate(SAID)}
    needles |= {f"sent {n}": line for n, body in enumerate(conversation["sent"])
                for line in body.splitlines() if len(line) >= 20}  # fmt: skip
    needles |= {
        "admin token": ADMIN_TOKEN, "bot token": BOT_TOKEN, "rasa secret": RASA_SECRET, "a JWT": "eyJ",
        "action server secret": ACTION_SECRET, "twilio token": AUTH_TOKEN, "session secret": SESSION_SECRET,
    }  # fmt: skip
    return needles | live.secrets


def test_no_log_holds_a_phone_number_a_message_body_or_a_token(live, conversation):
    logs = live.logs()
    assert {"api.log", "worker.log", "rasa.log", "actions.log"} <= set(logs)
    found = [
        f"{what} in {name}: ...{text[max(0, i - 60) : i + 60]!r}..."
        for name, text in logs.items()
        for what, needle in _needles(live, conversation).items()
        if (i := text.find(needle)) >= 0
    ]
    assert found == []


def test_the_logs_still_tell_what_happened_by_ids(live, conversation):
    api = [json.loads(line) for line in live.logs()["api.log"].splitlines() if line.startswith("{")]
    worker = live.logs()["worker.log"]
    stored = [line for line in api if line["event"] == "inbound_stored"]
    turns = [line for line in api if line["event"] == "inbound_bot_turn"]
    # A turn runs in the API right after the webhook, or in the worker's replay when the worker leased the
    # conversation first: every stored message gets exactly one, and the API's carry the webhook's id.
    replayed = [json.loads(line) for line in worker.splitlines() if '"inbound_bot_turn"' in line]
    assert len(stored) == len(SAID) and len(turns) + len(replayed) == len(SAID)
    assert {line["request_id"] for line in turns} <= {line["request_id"] for line in stored}
    # The actions' calls to /api/v1/bot carry the request id of the webhook whose turn they serve.
    bot_calls = [line for line in api if line["event"] == "http_request" and "/bot/" in line["route"]]
    assert {line["request_id"] for line in turns} <= {line["request_id"] for line in bot_calls}
    assert "outbound_sent" in worker and "21211" in worker
    assert all(line["route"] != "unmatched" or line["status"] == 404 for line in api if "route" in line)
