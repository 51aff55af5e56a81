"""Catalog chores: `python -m api.i18n.manage extract|update|compile|stats`.

extract  pybabel extract → locales/messages.pot
update   create or update every language's messages.po from the template
compile  compile every .po to .mo (fuzzy entries are not used)
stats    per-language completeness (translated / total, fuzzy)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from api.i18n import languages
from api.i18n.catalog import DOMAIN, LOCALES_DIR
from api.settings import ROOT

POT = LOCALES_DIR / f"{DOMAIN}.pot"


def po_path(code: str) -> Path:
    return LOCALES_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def _messages(path: Path) -> list[tuple]:
    with path.open("rb") as fh:
        catalog = read_po(fh)
    return sorted((repr(m.id), tuple(m.auto_comments), tuple(sorted(m.flags))) for m in catalog if m.id)


def extract(output: Path = POT) -> bool:
    """Extract every N_() / _() message of the code and templates (babel.cfg) into a .pot file.

    The file is only replaced when the messages changed, so a pass without new text leaves the .pot and the
    .po headers (POT-Creation-Date) untouched instead of churning every catalog. Returns whether it changed.
    """
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / output.name
        _pybabel(
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "N_",
            "-k",
            "_",
            "--no-location",
            "--sort-output",
            "--add-comments",
            "Translators:",
            "--project",
            "inburgering-assistent",
            "-o",
            str(fresh),
            str(ROOT),
        )
        if output.exists() and _messages(output) == _messages(fresh):
            return False
        shutil.copyfile(fresh, output)
        return True


def update() -> None:
    for code in languages.CODES:
        if po_path(code).exists():
            _pybabel(
                "update",
                "-i",
                str(POT),
                "-d",
                str(LOCALES_DIR),
                "-l",
                code,
                "--no-fuzzy-matching",
                "--ignore-obsolete",
            )
        else:
            _pybabel("init", "-i", str(POT), "-d", str(LOCALES_DIR), "-l", code)


def compile_all() -> None:
    for code in languages.CODES:
        path = po_path(code)
        if not path.exists():
            continue
        with path.open("rb") as fh:
            catalog = read_po(fh)
        with path.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)


def stats() -> dict[str, tuple[int, int, int]]:
    result = {}
    for code in languages.CODES:
        path = po_path(code)
        if not path.exists():
            result[code] = (0, 0, 0)
            continue
        with path.open("rb") as fh:
            catalog = read_po(fh)
        entries = [m for m in catalog if m.id]
        done = sum(1 for m in entries if all(m.string if isinstance(m.string, tuple) else (m.string,)))
        fuzzy = sum(1 for m in entries if m.fuzzy)
        result[code] = (done, len(entries), fuzzy)
    return result


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "compile"
    if command == "extract":
        extract()
    elif command == "update":
        extract()
        update()
    elif command == "compile":
        compile_all()
    elif command == "stats":
        for code, (done, total, fuzzy) in stats().items():
            print(f"{code:6} {done:4}/{total:<4} fuzzy={fuzzy}")
    else:
        raise SystemExit(__doc__)
