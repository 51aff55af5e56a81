"""Promises of the foundation: health, the committed OpenAPI document, migrations, settings, demo data."""

from __future__ import annotations

import json
import re

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from api import demo
from api.appointments.models import Appointment
from api.models import metadata
from api.openapi import DOCUMENT, current
from api.people.models import Inburgeraar
from api.settings import ROOT, Settings, markdown_table
from api.staff.models import Staff


def test_health_answers_when_the_database_does(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_committed_openapi_document_matches_the_code():
    assert DOCUMENT.exists(), "run `make openapi` and commit docs/openapi.json"
    assert json.loads(DOCUMENT.read_text()) == json.loads(current()), (
        "run `make openapi` and commit the result"
    )


def test_openapi_documents_the_contract_paths():
    paths = json.loads(current())["paths"]
    for path in (
        "/health",
        "/api/v1/inburgeraars",
        "/api/v1/appointments",
        "/api/v1/appointments/{appointment_id}/attendance",
        "/api/v1/inburgeraars/{inburgeraar_id}/messages",
    ):
        assert path in paths


def test_migrations_and_models_have_not_drifted(database):
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], "models changed without a migration: python -m api.migrate --regenerate-initial"


def test_readme_configuration_table_is_generated_from_the_settings():
    readme = (ROOT / "README.md").read_text()
    assert markdown_table() in readme, "regenerate with: .venv/api/bin/python -m api.settings --readme"


def test_production_refuses_placeholder_secrets():
    import pytest

    with pytest.raises(ValueError, match="CASE_API_ADMIN_TOKEN"):
        Settings(environment="production", simulator_enabled=False)


def test_production_requires_the_municipality_phone(monkeypatch):
    import pytest

    secrets = {
        "case_api_admin_token": "a" * 40,
        "bot_service_token": "b" * 40,
        "session_secret": "c" * 40,
        "rasa_jwt_secret": "d" * 40,
        "public_base_url": "https://assistent.example.nl",
    }
    monkeypatch.delenv("MUNICIPALITY_PHONE", raising=False)
    with pytest.raises(ValueError, match="MUNICIPALITY_PHONE"):
        Settings(environment="production", simulator_enabled=False, **secrets)
    phone = {"municipality_phone": "14 058"}
    settings = Settings(environment="production", simulator_enabled=False, **phone, **secrets)
    assert settings.municipality_phone == "14 058"


def test_demo_data_loads_twice_without_duplicates(db):
    first = demo.load(db)
    db.commit()
    second = demo.load(db)
    db.commit()
    assert first["appointments_created"] > 0 and second["appointments_created"] == 0
    assert db.scalar(select(func.count()).select_from(Staff)) == len(demo.STAFF)
    assert db.scalar(select(func.count()).select_from(Inburgeraar)) == len(demo.PEOPLE)
    kinds = set(db.scalars(select(Appointment.kind)))
    assert kinds == {
        "brede_intake",
        "leerbaarheidstoets",
        "pip_gesprek",
        "voortgangsgesprek",
        "pvt_bijeenkomst",
        "pvt_excursie",
        "map_activiteit",
        "knm_les",
    }
    excursion = db.scalar(select(Appointment).where(Appointment.kind == "pvt_excursie"))
    assert len(excursion.attendances) > 1


def test_api_version_header_and_security_headers_on_every_response(client):
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.headers["API-Version"] == "1.0"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert re.match(r"application/problem\+json", response.headers["content-type"])


def test_an_empty_role_group_mapping_in_the_environment_is_no_mapping(monkeypatch):
    """compose passes OIDC_ROLE_GROUPS="" when single sign-on is off; that must not stop the API starting."""
    import pytest

    monkeypatch.setenv("OIDC_ROLE_GROUPS", "")
    assert Settings().oidc_role_groups == {}
    monkeypatch.setenv("OIDC_ROLE_GROUPS", '{"inburgering-km": "klantmanager"}')
    assert Settings().oidc_role_groups == {"inburgering-km": "klantmanager"}
    monkeypatch.setenv("OIDC_ROLE_GROUPS", "inburgering-km")
    with pytest.raises(ValueError, match="oidc_role_groups"):
        Settings()
