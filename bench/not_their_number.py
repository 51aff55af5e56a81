"""A recycled number: does the gateway see "this number is not theirs", and leave the person's own talk
about numbers alone? Writes the `not_their_number` section of docs/benchmarks.md.

Two sets, each by an independent author who saw no project file: per language 15 messages from whoever has
a person's number now, saying in some way that it is not theirs, and 15 from the person themselves that look
alike (their own number, something else that is wrong, not knowing something). bench/number_eval/ was read
while the patterns were written (development); bench/number_eval2/ was measured once they were done (the
test). Measured: the gateway's recogniser (api.messaging.wrong_number) as it reads a message that answers a
reminder, the only thing that decides whether the number is held.

    .venv/api/bin/python -m bench.not_their_number
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import yaml

from api.i18n import languages
from api.messaging.wrong_number import says_not_theirs
from bench.report import write_section

ROOT = Path(__file__).resolve().parent.parent
SETS = (
    ("number_eval", "The first set: development (read while the patterns were written)"),
    ("number_eval2", "The second set: the test (measured after the patterns were done)"),
)


def load(folder: Path) -> list[tuple[str, str, str, str]]:
    """(language, label, kind, text) for every message; label is `not_their_number` or `ordinary`."""
    rows = []
    for code in languages.LANGUAGES:
        document = yaml.safe_load((folder / f"{code}.yml").read_text(encoding="utf-8"))
        for label in ("not_their_number", "ordinary"):
            rows += [(code, label, item["kind"], item["text"]) for item in document[label]]
    return rows


def evaluate(rows: list[tuple[str, str, str, str]]) -> tuple[dict[str, Counter], Counter, Counter]:
    per_language: dict[str, Counter] = defaultdict(Counter)
    caught_by_kind: Counter = Counter()
    total_by_kind: Counter = Counter()
    for code, label, kind, text in rows:
        hit = says_not_theirs(text)
        c = per_language[code]
        c[label] += 1
        c[f"{label}_hit"] += hit
        total_by_kind[(label, kind)] += 1
        caught_by_kind[(label, kind)] += hit
    return per_language, caught_by_kind, total_by_kind


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.2f} ({part}/{whole})" if whole else "–"


INTRO = (
    "## Recycled numbers\n\n"
    "Two sets, each by an independent author who saw no project file: per language 15 messages from whoever "
    "has a person's number now, saying it is not theirs, and 15 look-alikes from the person themselves. "
    "*Recognised*: the gateway holds the number (nothing about the person goes there, the klantmanager gets "
    "a task) — the higher the better. *Held by mistake*: the person's own message would hold their number "
    "until their klantmanager confirms it — the lower the better. The recogniser alone "
    "(`api.messaging.wrong_number`, as for a message that answers a reminder); no native speaker has "
    "reviewed its patterns or the sets."
)


def render(title: str, per_language: dict[str, Counter], caught: Counter, total: Counter) -> str:
    lines = [
        f"#### {title}",
        "",
        "| language | recognised | held by mistake |",
        "|---|---|---|",
    ]
    whole = Counter()
    for code in languages.LANGUAGES:
        c = per_language[code]
        whole.update(c)
        lines.append(
            f"| {code} | {_share(c['not_their_number_hit'], c['not_their_number'])} "
            f"| {_share(c['ordinary_hit'], c['ordinary'])} |"
        )
    lines.append(
        f"| **all** | **{_share(whole['not_their_number_hit'], whole['not_their_number'])}** "
        f"| **{_share(whole['ordinary_hit'], whole['ordinary'])}** |"
    )
    lines += ["", "| kind | recognised or held by mistake |", "|---|---|"]
    for label, kind in sorted(total):
        lines.append(f"| {label}: {kind} | {_share(caught[(label, kind)], total[(label, kind)])} |")
    return "\n".join(lines)


def main() -> None:
    parts = [INTRO]
    for folder, title in SETS:
        parts.append(render(title, *evaluate(load(ROOT / "bench" / folder))))
    markdown = "\n\n".join(parts)
    write_section("not_their_number", markdown)
    print(markdown)


if __name__ == "__main__":
    main()
