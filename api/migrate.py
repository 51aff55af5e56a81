"""Run Alembic programmatically: `python -m api.migrate` upgrades the configured database to head."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from api.settings import ROOT, get_settings


def alembic_config(database_url: str | None = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "api" / "migrations"))
    cfg.attributes["database_url"] = database_url or get_settings().database_url
    return cfg


def upgrade(database_url: str | None = None) -> None:
    url = database_url or get_settings().database_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "head")


def regenerate_initial() -> None:
    """Pre-release only: rebuild the single initial revision from the models (see docs/adr/0002)."""
    versions = ROOT / "api" / "migrations" / "versions"
    for old in versions.glob("*.py"):
        old.unlink()
    scratch = ROOT / "var" / "autogen.sqlite3"
    scratch.parent.mkdir(exist_ok=True)
    scratch.unlink(missing_ok=True)
    url = f"sqlite:///{scratch}"
    cfg = alembic_config(url)
    command.revision(cfg, message="initial case schema", autogenerate=True, rev_id="0001")
    scratch.unlink(missing_ok=True)


if __name__ == "__main__":
    if "--regenerate-initial" in sys.argv:
        regenerate_initial()
    else:
        upgrade()
