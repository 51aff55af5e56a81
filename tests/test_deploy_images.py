"""The container images: the helpers under deploy/ on their own, then the built images themselves.

The last test runs deploy/check-images.sh on the images `make images` built; it is skipped, saying why,
where podman or the images are absent. Containers cannot be started on the build machines: that script
checks the images from outside and with chroot (docs/production.md, "Container images").
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"deploy_{name}", DEPLOY / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


entrypoint = load("entrypoint")
pip_build_config = load("pip_build_config")
check_packages = load("check_packages")


def test_each_secret_file_becomes_the_variable_of_its_name_without_its_newline(tmp_path: Path) -> None:
    (tmp_path / "bot_service_token").write_text("s3cret-value\n")
    (tmp_path / "database_url").write_text("postgresql+psycopg://u:p@db/x")
    env: dict[str, str] = {}
    added = entrypoint.secrets_from_files(env, tmp_path)
    assert env == {"BOT_SERVICE_TOKEN": "s3cret-value", "DATABASE_URL": "postgresql+psycopg://u:p@db/x"}
    assert added == ["BOT_SERVICE_TOKEN", "DATABASE_URL"]


def test_a_variable_already_set_wins_over_the_secret_file(tmp_path: Path) -> None:
    (tmp_path / "session_secret").write_text("from-file")
    env = {"SESSION_SECRET": "from-environment"}
    assert entrypoint.secrets_from_files(env, tmp_path) == []
    assert env["SESSION_SECRET"] == "from-environment"


def test_files_that_are_not_variable_names_and_folders_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "..data").mkdir()
    (tmp_path / "Weird-Name").write_text("x")
    (tmp_path / "9lives").write_text("x")
    env: dict[str, str] = {}
    assert entrypoint.secrets_from_files(env, tmp_path) == [] and env == {}
    assert entrypoint.secrets_from_files(env, tmp_path / "absent") == []


@pytest.fixture
def machine_pip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in for `pip config list` on a machine with a CA bundle, constraints and local indexes."""
    (tmp_path / "ca.pem").write_text("CERTIFICATE")
    (tmp_path / "constraints.txt").write_text("torch<=2\n")
    (tmp_path / "mirror" / "simple").mkdir(parents=True)
    (tmp_path / "wheels").mkdir()
    listing = "\n".join(
        [
            f"global.cert='{tmp_path / 'ca.pem'}'",
            f"global.constraint='{tmp_path / 'constraints.txt'}'",
            f"global.extra-index-url='file://{tmp_path / 'mirror' / 'simple'} https://index.invalid/simple'",
            "global.find-links='/nonexistent/wheels'",
            f":env:.find-links='{tmp_path / 'wheels'}'",
            ":env:.default-timeout='180'",
        ]
    )
    fake = tmp_path / "pip"
    fake.write_text(f"#!/bin/sh\ncat <<'EOF'\n{listing}\nEOF\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PIP", str(fake))
    return tmp_path


def test_the_build_gets_this_machines_pip_configuration_as_volumes(machine_pip: Path) -> None:
    out = machine_pip / "out"
    volumes = pip_build_config.write(out)
    config = (out / "pip.conf").read_text()
    assert "cert = /run/pip/ca.crt" in config and (out / "ca.crt").read_text() == "CERTIFICATE"
    assert "constraint = /run/pip/constraints-0.txt" in config
    assert (out / "constraints-0.txt").read_text() == "torch<=2\n"
    assert f"find-links = {machine_pip / 'wheels'}" in config, "the environment overrides the files"
    assert "https://index.invalid/simple" in config, "a remote index stays in the generated file only"
    assert volumes == [
        f"--volume={out}:/run/pip:ro",
        f"--volume={machine_pip / 'mirror'}:{machine_pip / 'mirror'}:ro",  # the index's files lie beside it
        f"--volume={machine_pip / 'wheels'}:{machine_pip / 'wheels'}:ro",
    ]


def registry_hosts() -> set[str]:
    """The package registries this machine uses: pip's configured and default indexes, apt's mirrors."""
    listing = subprocess.run(["pip", "config", "list"], capture_output=True, text=True, check=False).stdout
    urls = re.findall(r"[a-z+]+://([^/'\s]+)", listing)
    default = "from pip._internal.models.index import PyPI; print(PyPI.netloc, PyPI.file_storage_domain)"
    urls += subprocess.run([sys.executable, "-c", default], capture_output=True, text=True).stdout.split()
    for sources in [*Path("/etc/apt").glob("sources.list*"), *Path("/etc/apt/sources.list.d").glob("*")]:
        if sources.is_file():
            urls += re.findall(r"https?://([^/\s]+)", sources.read_text())
    return {host for host in urls if host}


def test_no_registry_host_is_written_into_the_deploy_files() -> None:
    hosts = registry_hosts()
    assert hosts, "found no registry to look for"
    for path in [*DEPLOY.iterdir(), ROOT / ".containerignore", ROOT / "docs" / "production.md"]:
        if path.is_file():
            text = path.read_text()
            assert not [host for host in hosts if host in text], path.name


Dists = dict[str, tuple[str, list[str]]]  # name: (version, Requires-Dist lines)


def fake_site_packages(root: Path, dists: Dists) -> Path:
    for name, (version, requires) in dists.items():
        info = root / f"{name}-{version}.dist-info"
        info.mkdir(parents=True)
        lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        lines += [f"Requires-Dist: {requirement}" for requirement in requires]
        (info / "METADATA").write_text("\n".join(lines) + "\n")
    return root


@pytest.fixture
def lock(tmp_path: Path) -> Path:
    path = tmp_path / "app.lock"
    pins = [
        "fastapi==1.0",
        "starlette==2.0",
        'async-timeout==5.0.1 ; python_full_version < "3.11.3"',
        "pytest==8",
    ]
    path.write_text("\n".join(pins) + "\n")
    return path


def run_check(
    tmp_path: Path, lock: Path, dists: Dists, *extra: str, version: str = "3.11.2"
) -> tuple[int, str]:
    """deploy/check_packages.py on a made-up site-packages, with fastapi as the top-level requirement."""
    site = fake_site_packages(tmp_path / "site", dists)
    command = [sys.executable, str(DEPLOY / "check_packages.py"), str(site), str(lock), version, "fastapi"]
    completed = subprocess.run([*command, *extra], capture_output=True, text=True, check=False)
    return completed.returncode, completed.stdout


def test_packages_at_their_pins_with_their_dependencies_pass(tmp_path: Path, lock: Path) -> None:
    dists = {
        "fastapi": ("1.0", ["starlette>=2", 'async-timeout>=4; python_full_version < "3.11.3"']),
        "starlette": ("2.0", []),
        "async_timeout": ("5.0.1", []),
    }
    code, output = run_check(tmp_path, lock, dists)
    assert code == 0, output
    assert "left out of the image (1): pytest" in output


@pytest.mark.parametrize(
    ("dists", "problem"),
    [
        ({"fastapi": ("1.0", []), "starlette": ("2.1", [])}, "starlette 2.1 is installed, the lock pins 2.0"),
        ({"fastapi": ("1.0", []), "rich": ("13", [])}, "rich 13 is installed but not in"),
        ({"fastapi": ("1.0", ["starlette>=2"])}, "starlette (needed by fastapi) is not installed"),
        ({"fastapi": ("1.0", ["starlette>=3"]), "starlette": ("2.0", [])}, "does not satisfy starlette>=3"),
    ],
    ids=["version-differs", "unpinned", "dependency-missing", "dependency-too-old"],
)
def test_packages_that_differ_from_the_lock_fail(
    tmp_path: Path, lock: Path, dists: Dists, problem: str
) -> None:
    code, output = run_check(tmp_path, lock, dists)
    assert code == 1 and problem in output, output


def test_a_dependency_under_a_marker_counts_only_where_the_marker_holds(tmp_path: Path, lock: Path) -> None:
    dists = {"fastapi": ("1.0", ['async-timeout>=4; python_full_version < "3.11.3"'])}
    assert run_check(tmp_path / "old", lock, dists, version="3.11.2")[0] == 1
    assert run_check(tmp_path / "new", lock, dists, version="3.11.7")[0] == 0


def test_a_package_the_lock_cannot_hold_passes_only_when_allowed(tmp_path: Path, lock: Path) -> None:
    dists = {"fastapi": ("1.0", []), "setuptools": ("70.3.0", [])}
    assert run_check(tmp_path / "a", lock, dists)[0] == 1
    code, output = run_check(tmp_path / "b", lock, dists, "--allow", "setuptools")
    assert code == 0 and "unpinned but allowed: setuptools 70.3.0" in output


def images_missing() -> str | None:
    if shutil.which("podman") is None:
        return "podman is not installed (apt-get install podman); see docs/production.md"
    if os.geteuid() != 0:
        return "deploy/check-images.sh mounts the images and uses chroot: it needs root"
    for name in ("inburgering-api", "inburgering-bot"):
        if subprocess.run(["podman", "image", "exists", f"localhost/{name}:latest"], check=False).returncode:
            return f"localhost/{name}:latest is not built (make images)"
    return None


def test_the_built_images_pass_their_checks() -> None:
    reason = images_missing()
    if reason:
        pytest.skip(reason)
    completed = subprocess.run(
        ["deploy/check-images.sh"],
        cwd=ROOT,
        env={**os.environ, "CHECK_PYTHON": sys.executable},  # this environment has `packaging`
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "FAIL" not in completed.stdout
