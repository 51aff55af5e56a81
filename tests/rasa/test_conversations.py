"""Whole conversations through the trained model, the real action server and a fake case API + NLG.

These catch what unit tests of single actions cannot: how Rasa's forms, rules and our validators play
together (opening a form, digit answers, interruptions, follow-up actions). They need the model trained
for the current inputs (`make model`, i.e. bot/train.py) and are skipped without it.

Messages that must reach a given intent use the gateway's `/intent` form so NLU quality cannot make
these tests flaky; digits and free text inside a form go through NLU as a person's would.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from typing import Any

import pytest

from support import ACTION_SECRET, ROOT, TOKEN, FakeCaseApi, bearer, handler_for

pytestmark = pytest.mark.rasa

APPOINTMENTS = [
    {"id": 12, "kind": "voortgangsgesprek", "startsAt": "2030-01-10T10:00:00+01:00", "endsAt": None,
     "location": "Stadhuis", "staffName": "Sanne", "attendanceStatus": "pending"},
    {"id": 13, "kind": "pvt_bijeenkomst", "startsAt": "2030-01-12T10:00:00+01:00", "endsAt": None,
     "location": "Bibliotheek", "staffName": None, "attendanceStatus": "pending"},
]  # fmt: skip
PROFILE = {
    "inburgeraarId": 12, "name": "Amina", "language": "nl", "law": "wi2021", "pipDate": "2026-01-10",
    "termEndsOn": "2029-01-11", "leerroute": "b1", "pvtHoursDone": 4, "pvtHoursRequired": 12,
    "mapStatus": "in_progress", "klantmanager": None, "municipalityPhone": "14 020", "optedOut": False,
}  # fmt: skip


def current_model() -> str | None:
    """The model bot/train.py builds for the current config, domain and data, if it exists."""
    spec = importlib.util.spec_from_file_location("bot_train", ROOT / "bot" / "train.py")
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    path = os.environ.get("BOT_MODEL") or str(train.model_path())
    return path if os.path.exists(path) else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the action server exited")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {port} after {seconds}s")


@pytest.fixture(scope="module")
def backend() -> Any:
    """The fake case API and NLG endpoint, shared by the module (each test uses its own sender)."""
    api = FakeCaseApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(api))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield api
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def bot(backend: FakeCaseApi) -> Any:
    """The trained agent talking to a real action server, which talks to the fake case API."""
    model = current_model()
    if model is None:
        pytest.skip("no model trained for the current bot inputs (run `make model`)")
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    port = free_port()
    env = {**os.environ, "CASE_API_URL": backend.url, "BOT_SERVICE_TOKEN": TOKEN}
    env |= {"ACTION_SERVER_SECRET": ACTION_SECRET, "SANIC_HOST": "127.0.0.1"}
    actions = subprocess.Popen(
        [sys.executable, "action_server.py", "--actions", "actions", "--port", str(port)],
        cwd=ROOT / "bot",
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    loop = asyncio.new_event_loop()
    try:
        wait_for_port(port, actions, 120)
        endpoints = AvailableEndpoints(
            # As endpoints.yml sends them: the action server's secret, and the bot's token to /nlg.
            action=EndpointConfig(f"http://127.0.0.1:{port}/webhook", headers=bearer(ACTION_SECRET)),
            nlg=EndpointConfig(f"{backend.url}/nlg", headers=bearer(TOKEN)),
        )
        agent = loop.run_until_complete(load_agent(model_path=model, endpoints=endpoints))
        yield Conversation(agent, loop, backend)
    finally:
        actions.terminate()
        try:
            actions.wait(10)
        except subprocess.TimeoutExpired:
            actions.kill()
        loop.close()


class Conversation:
    def __init__(self, agent: Any, loop: asyncio.AbstractEventLoop, backend: FakeCaseApi) -> None:
        self.agent, self.loop, self.backend = agent, loop, backend

    def say(self, sender: str, text: str, detected: str | None = None) -> list[str]:
        """Send one message as the gateway would; return the replies as "language|response"."""
        from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

        metadata = {"channel": "sms", "language": "nl", "detectedLanguage": detected,
                    "inburgeraarId": 12, "messageId": 1}  # fmt: skip
        output = CollectingOutputChannel()
        message = UserMessage(text, output, sender, metadata=metadata)
        self.loop.run_until_complete(asyncio.wait_for(self.agent.handle_message(message), 60))
        return [m.get("text") for m in output.messages]

    def posted(self, sender: str, endpoint: str) -> list[Any]:
        return [
            r.body
            for r in self.backend.requests
            if r.method == "POST" and r.path.endswith(f"{sender}/{endpoint}")
        ]


@pytest.fixture
def api(backend: FakeCaseApi) -> FakeCaseApi:
    backend.routes.clear()
    backend.on("GET", "profile", PROFILE)
    backend.on("GET", "appointments", {"contextAppointmentId": None, "appointments": APPOINTMENTS})
    backend.on("POST", "escalations", {"id": 5}, status=201)
    backend.on("PUT", "language", {"language": "ar"})
    return backend


def attendance(api: FakeCaseApi, appointment: dict[str, Any], late: bool = False) -> None:
    answer = {"appointmentId": appointment["id"], "kind": appointment["kind"], "status": "ok", "late": late}
    api.on("POST", "attendance", {**answer, "startsAt": appointment["startsAt"]})


def test_absence_with_two_appointments_picked_by_digits(bot, api):
    attendance(api, APPOINTMENTS[1])
    sender = "inb-101"

    assert bot.say(sender, "/report_absence") == ["nl|utter_ask_which_appointment"]
    assert bot.say(sender, "2") == ["nl|utter_ask_absence_reason"]
    assert bot.say(sender, "1") == ["nl|utter_ask_absence_details"]
    assert bot.say(sender, "0") == ["nl|utter_absence_recorded"]

    [body] = bot.posted(sender, "attendance")
    assert (body["appointmentId"], body["action"], body["reason"], body["details"]) == (
        13, "report_absence", "sick", None)  # fmt: skip


@pytest.mark.parametrize(
    ("sender", "details"),
    [
        ("inb-102", "de trein reed niet"),
        # The one-word guard (ADR 0022) lowers the intent of a lone word; a form waiting for free text takes
        # it all the same.
        ("inb-122", "treinstoring"),
    ],
)
def test_late_absence_from_a_reminder_shortcut(bot, api, sender, details):
    attendance(api, APPOINTMENTS[0], late=True)

    assert bot.say(sender, '/report_absence{"appointment_id": "12"}') == ["nl|utter_ask_absence_reason"]
    assert bot.say(sender, "7") == ["nl|utter_ask_absence_details"]
    assert bot.say(sender, details) == ["nl|utter_absence_recorded_late"]

    [body] = bot.posted(sender, "attendance")
    assert (body["appointmentId"], body["reason"], body["details"]) == (12, "transport", details)


def test_confirm_from_a_reminder_shortcut_needs_no_question(bot, api):
    attendance(api, APPOINTMENTS[1])
    sender = "inb-103"

    assert bot.say(sender, '/confirm_attendance{"appointment_id": "13"}') == ["nl|utter_attendance_confirmed"]
    assert bot.posted(sender, "attendance")[0]["action"] == "confirm"


def test_no_upcoming_appointment_ends_the_flow(bot, api):
    api.on("GET", "appointments", {"contextAppointmentId": None, "appointments": []})

    assert bot.say("inb-104", "/request_reschedule") == ["nl|utter_no_appointment"]
    assert bot.posted("inb-104", "attendance") == []


def test_check_in_with_a_wrong_code_then_the_right_one(bot, api):
    api.on("GET", "appointments", {"contextAppointmentId": 12, "appointments": APPOINTMENTS})
    api.on("POST", "attendance", {"status": 409, "code": "wrong_code"}, status=409)
    sender = "inb-105"

    assert bot.say(sender, "/check_in") == ["nl|utter_ask_checkin_code"]
    assert bot.say(sender, "1111") == ["nl|utter_checkin_wrong_code", "nl|utter_ask_checkin_code"]
    attendance(api, APPOINTMENTS[0])
    assert bot.say(sender, "4821") == ["nl|utter_checked_in"]
    assert [b["checkInCode"] for b in bot.posted(sender, "attendance")] == ["1111", "4821"]


def test_language_menu_answered_with_a_digit_switches_and_confirms_in_the_new_language(bot, api):
    sender = "inb-106"

    assert bot.say(sender, "/change_language") == ["nl|utter_language_menu"]
    assert bot.say(sender, "3") == ["ar|utter_language_changed"]
    assert bot.say(sender, "/ask_pip") == ["ar|utter_faq_pip"]
    assert [r.body for r in api.requests if r.path.endswith(f"{sender}/language")] == [{"language": "ar"}]


def test_a_detected_language_never_switches_only_a_named_one_does(bot, api):
    sender = "inb-107"

    assert bot.say(sender, "/ask_pvt", detected=None) == ["nl|utter_faq_pvt"]
    assert bot.say(sender, "thanks", detected="en")[0].startswith("nl|")
    assert bot.say(sender, "what is the MAP module", detected="en")[0].startswith("nl|")
    assert bot.say(sender, "English", detected=None)[0].startswith("en|")


def test_the_language_menu_lets_go_after_three_asks(bot, api):
    sender = "inb-108"

    assert bot.say(sender, "/change_language") == ["nl|utter_language_menu"]
    assert bot.say(sender, "/ask_pip") == ["nl|utter_faq_pip", "nl|utter_language_menu"]
    assert bot.say(sender, "/ask_map") == ["nl|utter_faq_map", "nl|utter_language_menu"]
    assert bot.say(sender, "/ask_knm") == ["nl|utter_faq_knm"]
    assert bot.say(sender, "/ask_pvt") == ["nl|utter_faq_pvt"]


def test_two_misunderstood_messages_in_a_row_go_to_a_person(bot, api):
    sender = "inb-109"

    assert bot.say(sender, "/nlu_fallback") == ["nl|utter_ask_rephrase"]
    assert bot.say(sender, "/nlu_fallback") == ["nl|utter_handoff"]
    assert [b["reason"] for b in bot.posted(sender, "escalations")] == ["fallback"]


def test_urgent_help_in_the_middle_of_a_form_ends_it_with_only_the_numbers(bot, api):
    # The alarm is the gateway's crisis net (ADR 0021); the model alone gives the numbers gently and a
    # person reads the message.
    sender = "inb-110"

    assert bot.say(sender, "/report_absence") == ["nl|utter_ask_which_appointment"]
    assert bot.say(sender, "/urgent_help") == ["nl|utter_safety_check"]
    [escalation] = bot.posted(sender, "escalations")
    assert (escalation["reason"], escalation["urgent"]) == ("possible_crisis", False)
    assert bot.say(sender, "/ask_map") == ["nl|utter_faq_map"]  # the form is gone


def test_asking_to_stop_explains_the_stop_keyword_and_changes_nothing(bot, api):
    # Only the gateway's STOP keyword ends messages: a misread sentence must never end someone's reminders.
    assert bot.say("inb-111", "/opt_out") == ["nl|utter_how_to_stop"]
    assert bot.posted("inb-111", "consent") == []


def test_with_the_case_api_down_the_bot_still_answers(bot, api):
    api.routes.clear()
    api.on("GET", "profile", {"title": "down"}, status=503)
    api.on("GET", "appointments", {"title": "down"}, status=503)

    assert bot.say("inb-112", "/ask_next_appointment") == ["nl|utter_api_unavailable"]
    assert bot.say("inb-112", "/confirm_attendance") == ["nl|utter_api_unavailable"]


def test_a_lone_word_the_training_data_does_not_vouch_for_gets_the_question_not_an_answer(bot, api):
    """The one-word guard (bot/components/short_message.py, ADR 0022): "dus" was a confirmation at 0.99."""
    replies = bot.say("inb-120", "dus")

    assert replies in (["nl|utter_clarify"], ["nl|utter_ask_rephrase"]), replies
    assert bot.say("inb-121", "ja") == ["nl|utter_how_can_i_help"]  # a word the training data vouches for
    assert bot.posted("inb-120", "attendance") == []
