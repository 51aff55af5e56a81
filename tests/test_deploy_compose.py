"""deploy/compose.yaml, read as data: the promises of the one-server deployment (docs/production.md).

Nothing here starts a container; tests/test_deploy_images.py checks the images themselves.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
COMPOSE: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
OURS = ("migrate", "api", "worker", "rasa", "actions")
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|DATABASE_URL|STORE_URL|AUTH", re.IGNORECASE)


def is_one_shot(service: dict[str, Any]) -> bool:
    return service.get("restart") == "no"


def test_the_one_server_has_the_six_services_and_one_migration_job() -> None:
    assert set(SERVICES) == {"postgres", "redis", "migrate", "api", "worker", "rasa", "actions"}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_long_running_service_has_a_health_check(name: str) -> None:
    service = SERVICES[name]
    if is_one_shot(service):
        assert "healthcheck" not in service, f"{name} runs once; others wait for it to complete"
        return
    check = service.get("healthcheck")
    assert check and check["test"][0] == "CMD", f"{name} has no exec-form health check"
    assert {"interval", "timeout", "retries", "start_period"} <= set(check), name


@pytest.mark.parametrize(
    ("name", "probe"),
    [
        ("api", "http://127.0.0.1:8000/health/ready"),
        ("rasa", "http://127.0.0.1:5005/version"),
        ("actions", "http://127.0.0.1:5055/health"),
        ("worker", "worker"),
    ],
)
def test_health_checks_ask_what_each_process_promises(name: str, probe: str) -> None:
    assert SERVICES[name]["healthcheck"]["test"] == ["CMD", "python", "/app/deploy/probe.py", probe]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_start_order_waits_on_health_or_completion_never_on_mere_start(name: str) -> None:
    depends = SERVICES[name].get("depends_on", {})
    assert isinstance(depends, dict), f"{name}: depends_on needs conditions"
    for other, rule in depends.items():
        expected = "service_completed_successfully" if is_one_shot(SERVICES[other]) else "service_healthy"
        assert rule == {"condition": expected}, f"{name} -> {other}"


def test_start_order_has_no_cycle() -> None:
    def reach(name: str, path: tuple[str, ...]) -> None:
        for other in SERVICES[name].get("depends_on", {}):
            assert other not in path, f"cycle: {' -> '.join((*path, other))}"
            reach(other, (*path, other))

    for name in SERVICES:
        reach(name, (name,))


def test_migrations_run_once_before_the_api_and_the_worker() -> None:
    assert SERVICES["migrate"]["command"] == ["python", "-m", "api.migrate"]
    assert is_one_shot(SERVICES["migrate"])
    for name in ("api", "worker"):
        assert SERVICES[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_no_secret_is_written_inline(name: str) -> None:
    environment = SERVICES[name].get("environment", {})
    assert isinstance(environment, dict), f"{name}: environment as a mapping"
    for key, value in environment.items():
        if SECRET_NAME.search(key):
            assert key.endswith("_FILE") and str(value).startswith("/run/secrets/"), f"{name}: {key} inline"
        assert not re.search(r"://[^/@\s]*:[^/@\s]*@", str(value)), f"{name}: {key} holds credentials"


def test_every_secret_is_a_file_in_the_ignored_secrets_folder() -> None:
    used = {secret for service in SERVICES.values() for secret in service.get("secrets", [])}
    declared = COMPOSE["secrets"]
    assert used == set(declared)
    for name, source in declared.items():
        assert source == {"file": f"./secrets/{name}"}, name
    assert "deploy/secrets/" in (ROOT / ".gitignore").read_text().split()
    made = (DEPLOY / "make-secrets.sh").read_text()
    assert all(name in made for name in declared), "make-secrets.sh makes every secret"


# docs/production.md, "Secrets: who holds which": a process gets the secrets it uses and no other.
HOLDERS = {
    "rasa_jwt_secret": {"migrate", "api", "worker", "rasa"},
    "action_server_secret": {"rasa", "actions"},
    "bot_service_token": {"migrate", "api", "worker", "rasa", "actions"},
    "database_url": {"migrate", "api", "worker"},
    "session_secret": {"migrate", "api", "worker"},
    "case_api_admin_token": {"migrate", "api", "worker"},
    "twilio_auth_token": {"migrate", "api", "worker"},
    "rasa_tracker_db_password": {"postgres", "rasa"},
    "rasa_lock_redis_password": {"redis", "rasa"},
    "postgres_password": {"postgres"},
    "metrics_token": {"api"},
    "oidc_client_secret": {"api"},
    "translation_api_key": {"api"},
    "klantinteracties_token": {"api", "worker"},
    "smtp_password": {"worker"},
}


@pytest.mark.parametrize("secret", sorted(HOLDERS))
def test_each_secret_goes_only_to_the_processes_that_use_it(secret: str) -> None:
    holders = {name for name, service in SERVICES.items() if secret in service.get("secrets", [])}
    assert holders == HOLDERS[secret]


def test_rasa_is_given_every_variable_its_production_endpoints_need() -> None:
    lines = (ROOT / "bot" / "endpoints.production.yml").read_text().splitlines()
    settings = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    needed = set(re.findall(r"\$\{(\w+)\}", settings))
    assert "RASA_TRACKER_DB_PASSWORD" in needed
    rasa = SERVICES["rasa"]
    given = set(rasa["environment"]) | {secret.upper() for secret in rasa["secrets"]}
    assert needed - given == set()
    assert rasa["command"][rasa["command"].index("--endpoints") + 1] == "endpoints.production.yml"


def test_only_the_api_is_published_and_only_on_loopback() -> None:
    published = {name: service["ports"] for name, service in SERVICES.items() if "ports" in service}
    assert list(published) == ["api"]
    assert all(port.startswith("127.0.0.1:") for port in published["api"])
    assert COMPOSE["networks"]["backend"]["internal"] is True
    outside = {name for name, service in SERVICES.items() if "egress" in service.get("networks", [])}
    assert outside == {"api", "worker"}, "only the processes that call Twilio reach outside"


@pytest.mark.parametrize("name", OURS)
def test_our_containers_run_read_only_without_capabilities(name: str) -> None:
    service = SERVICES[name]
    assert service["read_only"] is True and service["tmpfs"] == ["/tmp"]
    assert service["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in service["security_opt"]
    assert "user" not in service, "the image's user (10001) stays"


def test_rasa_telemetry_is_off_in_both_bot_processes() -> None:
    for name in ("rasa", "actions"):
        assert SERVICES[name]["environment"]["RASA_TELEMETRY_ENABLED"] == "false"


def test_the_build_context_leaves_out_environments_data_and_all_models_but_the_trained_one() -> None:
    ignored = (ROOT / ".containerignore").read_text().split()
    left_out = (".git", ".venv", "var", "node_modules", "models/*", "deploy/secrets")
    for entry in (*left_out, "!models/bot-*.tar.gz"):
        assert entry in ignored, entry
    assert ignored.index("models/*") < ignored.index("!models/bot-*.tar.gz")
    assert (ROOT / ".dockerignore").resolve() == (ROOT / ".containerignore").resolve()


def port_of(name: str) -> str:
    command = SERVICES[name]["command"]
    return command[command.index("--port" if "--port" in command else "-p") + 1]


def test_every_address_names_the_service_and_the_port_it_listens_on() -> None:
    api, rasa, actions = (f"{name}:{port_of(name)}" for name in ("api", "rasa", "actions"))
    for name in ("api", "worker", "migrate"):
        assert SERVICES[name]["environment"]["RASA_URL"] == f"http://{rasa}"
    assert SERVICES["api"]["environment"]["ACTION_SERVER_URL"] == f"http://{actions}"
    assert SERVICES["rasa"]["environment"]["RASA_NLG_URL"] == f"http://{api}/nlg"
    assert SERVICES["rasa"]["environment"]["RASA_ACTION_ENDPOINT_URL"] == f"http://{actions}/webhook"
    assert SERVICES["actions"]["environment"]["CASE_API_URL"] == f"http://{api}"


def test_the_optional_integrations_are_configurable_and_off_by_default() -> None:
    """SMTP, machine translation and the register: each setting reaches the processes that use it."""
    for name in ("api", "worker"):
        environment = SERVICES[name]["environment"]
        assert environment["NOTIFY_BY_EMAIL"] == "${NOTIFY_BY_EMAIL:-false}"
        assert {"SMTP_HOST", "SMTP_FROM", "KLANTINTERACTIES_URL", "KLANTINTERACTIES_ACTOR_UUID"} <= set(
            environment
        )
    assert SERVICES["api"]["environment"]["TRANSLATION_PROVIDER"] == "${TRANSLATION_PROVIDER:-off}"
    # The migration loads the settings too: without the register's URL it needs no register token.
    assert "KLANTINTERACTIES_URL" not in SERVICES["migrate"]["environment"]
    example = (DEPLOY / "env.example").read_text()
    assert all(f"\n{key}=" in example for key in ("SMTP_HOST", "TRANSLATION_URL", "KLANTINTERACTIES_URL"))


_VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}")
FILLED = {  # what a municipality's deploy/.env gives the required variables
    "PUBLIC_BASE_URL": "https://assistent.gemeente.example",
    "MUNICIPALITY_PHONE": "14 0513",
    "FORWARDED_ALLOW_IPS": "10.89.0.1",
}


@pytest.mark.parametrize("name", ["migrate", "api", "worker"])
def test_each_api_process_starts_on_the_defaults_with_its_secret_files_empty_or_made(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The environment compose gives the process, with deploy/.env's defaults and make-secrets.sh's files
    (random values; the ones it leaves empty, empty), is accepted by the settings in production."""
    from api.settings import Settings

    def value(raw: object) -> str:
        return _VARIABLE.sub(lambda m: FILLED.get(m[1], m[2] or ""), str(raw))

    environment = {key: value(raw) for key, raw in SERVICES[name]["environment"].items()}
    made = (DEPLOY / "make-secrets.sh").read_text()
    left_empty = set(re.search(r"for name in (twilio_auth_token[^;]*);", made)[1].split())
    for number, secret in enumerate(SERVICES[name]["secrets"]):  # deploy/entrypoint.py: file -> variable
        environment[secret.upper()] = "" if secret in left_empty else f"{secret}-{number}-" + "x" * 40
    for key in [key for key in os.environ if key.isupper()]:
        monkeypatch.delenv(key, raising=False)
    for key, text in environment.items():
        monkeypatch.setenv(key, text)
    settings = Settings(_env_file=None)
    assert settings.environment == "production"
    assert not settings.klantinteracties_enabled and not settings.notify_by_email
