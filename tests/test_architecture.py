"""Imports only point down: the layer, cycle and provider contracts in pyproject.toml hold, and they bite."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_import_contracts_hold():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "3 kept, 0 broken" in result.stdout


@pytest.fixture
def copy_of_api(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "api", tmp_path / "api", ignore=shutil.ignore_patterns("__pycache__", "*.html"))
    return tmp_path


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("api/people/upward.py", "import api.web.routes\n", "Layers"),
        ("api/messaging/provider_leak.py", "import api.twilio.errors\n", "messaging never imports Twilio"),
        ("api/tasks/cycle.py", "import api.messaging.outbox\n", "Layers"),
    ],
    ids=["domain-imports-web", "outbox-imports-twilio", "tasks-import-messaging"],
)
def test_an_upward_import_breaks_a_contract(copy_of_api: Path, module: str, line: str, broken: str):
    (copy_of_api / module).write_text(line)
    result = _lint(copy_of_api)
    assert result.returncode != 0
    assert broken in result.stdout and "BROKEN" in result.stdout


def _api_packages() -> set[str]:
    names = {p.parent.name for p in (ROOT / "api").glob("*/__init__.py")} - {"migrations"}
    names |= {p.stem for p in (ROOT / "api").glob("*.py")} - {"__init__"}
    return names


def test_every_package_of_api_has_a_layer_in_the_contract_and_the_architecture_page():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    layers = next(c for c in config if c["type"] == "layers")["layers"]
    in_contract = {name.strip().removeprefix("api.") for layer in layers for name in re.split(r"[|:]", layer)}
    page = (ROOT / "docs" / "architecture.md").read_text()
    assert _api_packages() == in_contract
    assert not [name for name in _api_packages() if f"`{name}`" not in page]


def test_the_readme_layout_table_names_folders_that_exist():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    paths = {p for p in re.findall(r"`([\w./-]+/)`", table)}
    assert {"api/", "bot/", "locales/", "tests/", "bench/", "tests/rasa/"} <= paths
    assert not [p for p in paths if not (ROOT / p).is_dir()]
