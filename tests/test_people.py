from __future__ import annotations

from datetime import date

import pytest

from api.people.service import law_for, term_ends_on


@pytest.fixture
def coordinator(make):
    """Coordinators register people into any caseload (and into none)."""
    return make.staff("coordinator")[1]


def test_inburgeraar_is_created_with_e164_phone_and_alias_language(client, make, coordinator):
    km, _ = make.staff()
    response = client.post(
        "/api/v1/inburgeraars",
        json={
            "name": "Amina",
            "phone": "06 1234 5678",
            "language": "prs",
            "doelgroep": "asielstatushouder",
            "klantmanagerId": km.id,
            "pipDate": "2026-01-10",
            "leerroute": "b1",
        },
        headers=coordinator,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"] > 0
    assert body["phone"] == "+31612345678"
    assert body["language"] == "fa_AF"
    assert body["termEndsOn"] == "2029-01-11"
    assert response.headers["API-Version"] == "1.0"


@pytest.mark.parametrize(
    ("field", "value"),
    [("phone", "12345"), ("language", "xx"), ("doelgroep", "tourist"), ("leerroute", "c2"), ("name", "  ")],
    ids=["bad-phone", "unknown-language", "unknown-doelgroep", "unknown-route", "blank-name"],
)
def test_invalid_inburgeraar_is_a_400_problem_naming_the_field(client, coordinator, field, value):
    body = {"name": "Amina", "phone": "+31612345678", "language": "ar", "doelgroep": "asielstatushouder"}
    body[field] = value
    response = client.post("/api/v1/inburgeraars", json=body, headers=coordinator)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field
    assert client.get("/api/v1/inburgeraars", headers=coordinator).json() == []


def test_malformed_json_is_a_400_not_a_500(client, coordinator):
    response = client.post(
        "/api/v1/inburgeraars",
        content=b"{not json",
        headers={**coordinator, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["status"] == 400


def test_unknown_field_is_refused_rather_than_dropped(client, coordinator):
    body = {"name": "A", "phone": "+31612345678", "doelgroep": "nareiziger", "pipdate": "2026-01-01"}
    response = client.post("/api/v1/inburgeraars", json=body, headers=coordinator)
    assert response.status_code == 400
    assert response.json()["field"] == "pipdate"


def test_duplicate_phone_is_a_conflict(client, coordinator):
    body = {"name": "A", "phone": "+31612345678", "doelgroep": "nareiziger"}
    assert client.post("/api/v1/inburgeraars", json=body, headers=coordinator).status_code == 201
    again = client.post("/api/v1/inburgeraars", json=body, headers=coordinator)
    assert again.status_code == 409
    assert again.json()["field"] == "phone"


def test_unknown_inburgeraar_is_404(client, coordinator):
    assert client.get("/api/v1/inburgeraars/999", headers=coordinator).status_code == 404


def test_request_without_token_is_401(client):
    response = client.get("/api/v1/inburgeraars")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("pip", "ends"),
    [(date(2026, 1, 10), date(2029, 1, 11)), (date(2027, 2, 27), date(2030, 2, 28)), (None, None)],
    ids=["ordinary", "leap-day-start", "no-pip"],
)
def test_term_starts_the_day_after_the_pip_and_runs_three_years(pip, ends):
    assert term_ends_on(pip) == ends


def test_obligations_before_2022_fall_under_the_2013_law():
    assert law_for(date(2021, 12, 31)) == "wi2013"
    assert law_for(date(2022, 1, 1)) == "wi2021"
    assert law_for(None) == "unknown"  # never assumed: the bot refers the person
