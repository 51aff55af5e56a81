"""Every address is a setting: `PORT=8123 make run` moves everything that points at the API, and Rasa,
the action server and the API each listen where their URL says, so two assistants run side by side."""

from __future__ import annotations

import ast
import re

import pytest
import yaml

from api import devserver
from api.messaging.rasa import STATUS_SENDER
from api.settings import ROOT, Settings


def test_the_port_alone_moves_the_urls_that_point_at_the_api():
    settings = Settings(port=8123)
    assert settings.public_base_url == "http://127.0.0.1:8123"
    assert settings.api_url == "http://127.0.0.1:8123"


@pytest.mark.parametrize(
    ("given", "api_url"),
    [
        ({"host": "0.0.0.0", "port": 8124}, "http://127.0.0.1:8124"),
        ({"host": "10.0.0.5", "port": 8124}, "http://10.0.0.5:8124"),
        ({"case_api_url": "https://api.intern.example/", "port": 8124}, "https://api.intern.example"),
    ],
    ids=["all-interfaces", "one-interface", "configured"],
)
def test_where_the_bot_reaches_the_api(given, api_url):
    assert Settings(**given).api_url == api_url


def test_a_configured_public_url_stays_as_it_is():
    settings = Settings(port=8123, public_base_url="https://assistent.gemeente.example")
    assert settings.public_base_url == "https://assistent.gemeente.example"


def test_make_run_starts_each_process_on_its_configured_address(monkeypatch, tmp_path):
    monkeypatch.setattr(devserver, "model_path", lambda: tmp_path / "bot-model.tar.gz")
    settings = Settings(
        port=8123,
        rasa_url="http://127.0.0.1:5123",
        action_server_url="http://127.0.0.1:5124",
        rasa_jwt_secret="x" * 32,
        action_server_secret="y" * 32,
    )
    procs = devserver.processes(settings)

    api_cmd, _, _ = procs["api"]
    assert (
        api_cmd[api_cmd.index("--port") + 1] == "8123" and api_cmd[api_cmd.index("--host") + 1] == "127.0.0.1"
    )
    rasa_cmd, _, rasa_env = procs["rasa"]
    assert rasa_cmd[rasa_cmd.index("-p") + 1] == "5123"
    assert rasa_env["RASA_NLG_URL"] == "http://127.0.0.1:8123/nlg"
    assert rasa_env["RASA_ACTION_ENDPOINT_URL"] == "http://127.0.0.1:5124/webhook"
    actions_cmd, _, actions_env = procs["actions"]
    assert actions_cmd[actions_cmd.index("-p") + 1] == "5124"
    assert actions_env["CASE_API_URL"] == "http://127.0.0.1:8123"


@pytest.mark.parametrize("endpoints", ["endpoints.yml", "endpoints.production.yml"])
def test_rasas_endpoint_files_take_every_address_from_the_environment(endpoints):
    config = yaml.safe_load((ROOT / "bot" / endpoints).read_text())
    urls = {name: section["url"] for name, section in config.items() if "url" in section}
    assert {"action_endpoint", "nlg"} <= set(urls)
    assert all(re.fullmatch(r"\$\{[A-Z_]+\}", url) for url in urls.values()), urls


def test_no_process_is_started_on_a_fixed_port():
    # Only the settings' defaults name the development ports; everything that starts or calls a process
    # takes them from the settings.
    fixed = re.compile(r"127\.0\.0\.1:(8000|5005|5055)\b")
    sources = [
        ROOT / "api" / "devserver.py",
        ROOT / "api" / "localstack.py",
        ROOT / "tests" / "e2e" / "conftest.py",
    ]
    assert [path.name for path in sources if fixed.search(path.read_text())] == []


def test_the_readiness_check_and_rasas_channel_agree_on_the_status_sender():
    tree = ast.parse((ROOT / "bot" / "gateway_channel.py").read_text())
    assigned = {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
        if isinstance(node.value, ast.Constant)
    }
    assert assigned["STATUS_SENDER"] == STATUS_SENDER
