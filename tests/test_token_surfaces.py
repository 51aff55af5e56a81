"""Each token reaches its own surface only: the bot's service token /api/v1/bot, staff and admin the rest.

The routes come from the OpenAPI document (every operation that declares the bearer scheme), so a route
added later is covered without touching this file.
"""

from __future__ import annotations

import re

import pytest

from api.main import create_app
from api.settings import Settings
from tests.conftest import ADMIN, BOT


def _bearer_operations() -> list[tuple[str, str]]:
    document = create_app(Settings(environment="test", database_url="sqlite://")).openapi()
    return sorted(
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if any("HTTPBearer" in requirement for requirement in operation.get("security", []))
    )


BEARER = _bearer_operations()
# The bot's surface: its endpoints, and Rasa's NLG calls with the same token (docs/production.md).
BOT_ROUTES = [(m, p) for m, p in BEARER if p.startswith("/api/v1/bot/") or p == "/nlg"]
STAFF_ROUTES = [route for route in BEARER if route not in BOT_ROUTES]


def _ids(routes: list[tuple[str, str]]) -> list[str]:
    return [f"{method} {path}" for method, path in routes]


def _url(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def test_the_document_lists_the_routes_that_take_a_token():
    assert ("GET", "/api/v1/inburgeraars/{inburgeraar_id}/messages") in STAFF_ROUTES
    assert len(STAFF_ROUTES) >= 20 and len(BOT_ROUTES) == 6
    assert ("POST", "/nlg") in BOT_ROUTES and ("POST", "/twilio/messages") not in BEARER


@pytest.mark.parametrize(("method", "path"), STAFF_ROUTES, ids=_ids(STAFF_ROUTES))
def test_the_bot_token_is_refused_on_every_route_outside_the_bot_endpoints(client, make, method, path):
    km, _ = make.staff()
    person = make.person(km)
    make.appointment([person])  # ids 1 exist: the refusal must not be a 404 in disguise
    response = client.request(method, _url(path, "1"), headers=BOT)
    assert response.status_code == 403, response.text


@pytest.mark.parametrize(("method", "path"), BOT_ROUTES, ids=_ids(BOT_ROUTES))
def test_staff_and_admin_tokens_are_refused_on_every_bot_endpoint(client, make, method, path):
    km, km_headers = make.staff()
    url = _url(path, make.sender(make.person(km)))
    for headers in (km_headers, ADMIN):
        assert client.request(method, url, headers=headers).status_code == 403


def test_the_bot_token_cannot_read_a_persons_messages(client, make, db):
    from api.messaging import service as messaging

    person = make.person()
    conversation = messaging.conversation_for(db, person)
    messaging.queue_outbound(db, conversation, "Je afspraak is morgen.", kind="reminder")
    db.commit()
    response = client.get(f"/api/v1/inburgeraars/{person.id}/messages", headers=BOT)
    assert response.status_code == 403 and "Je afspraak" not in response.text
