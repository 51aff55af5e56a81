"""A recycled number: does the gateway see "this number is not theirs", and leave the person's own talk
about numbers alone? Writes the `not_their_number` section of docs/benchmarks.md.

Three sets, each by an independent author who saw no project file: per language 15 messages from whoever has a
person's number now, saying in some way that it is not theirs, and 15 from the person themselves that look
alike (their own number, something else that is wrong, not knowing something). bench/number_eval/ was read
while the patterns were written (development); bench/number_eval2/ was measured once they were done, and
bench/number_eval3/ (with more of the person's talk about our reminders) once the learned layer was trained
(tests). Measured: the gateway's recogniser (api.messaging.wrong_number) as it reads a message that answers a
reminder, the only thing that decides whether the number is held.

    .venv/api/bin/python -m bench.not_their_number
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import yaml

from api.i18n import languages
from api.messaging.wrong_number import says_not_theirs, worth_asking
from bench.report import write_section

ROOT = Path(__file__).resolve().parent.parent
SETS = (
    ("number_eval", "The first set: development (read while the patterns were written)"),
    ("number_eval2", "The second set: a test (measured after the patterns were done)"),
    ("number_eval3", "The third set: a test (written after the learned layer, more talk about reminders)"),
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
        held = says_not_theirs(text)
        asked = not held and worth_asking(text)
        c = per_language[code]
        c[label] += 1
        c[f"{label}_hit"] += held
        c[f"{label}_asked"] += asked
        total_by_kind[(label, kind)] += 1
        caught_by_kind[(label, kind)] += held
        caught_by_kind[(label, kind, "asked")] += asked
    return per_language, caught_by_kind, total_by_kind


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.2f} ({part}/{whole})" if whole else "–"


INTRO = (
    "## Recycled numbers\n\n"
    "Three sets, each by an independent author who saw no project file: per language 15 messages from "
    "whoever has a person's number now, saying it is not theirs, and 15 look-alikes from the person "
    "themselves. "
    "*Held*: a pattern recognises it and the gateway holds the number (nothing about the person goes there, "
    "the klantmanager gets a task). *Asked*: no pattern, but the learned layer "
    '(`api.safety.not_their_number`) is unsure, and the gateway asks "not meant for you? 1, meant for you? '
    '2" — nothing changes until the answer, "1" holds the number. For the new holder\'s messages the '
    "higher both the better; for the person's own look-alikes, *held* costs their reminders until the "
    "klantmanager confirms the number, *asked* costs one extra message. The recogniser alone "
    "(`api.messaging.wrong_number`, as for a message that answers a reminder); no native speaker has "
    "reviewed its patterns, its training lines or the sets."
)


def render(title: str, per_language: dict[str, Counter], caught: Counter, total: Counter) -> str:
    lines = [
        f"#### {title}",
        "",
        "| language | new holder: held | new holder: held or asked | person: held by mistake "
        "| person: asked |",
        "|---|---|---|---|---|",
    ]
    whole = Counter()
    for code in languages.LANGUAGES:
        c = per_language[code]
        whole.update(c)
        lines.append(_row(code, c))
    lines.append(_row("**all**", whole))
    lines += ["", "| kind | held | asked |", "|---|---|---|"]
    for label, kind in sorted(total):
        n, asked = total[(label, kind)], caught[(label, kind, "asked")]
        lines.append(f"| {label}: {kind} | {_share(caught[(label, kind)], n)} | {_share(asked, n)} |")
    return "\n".join(lines)


def _row(name: str, c: Counter) -> str:
    either = c["not_their_number_hit"] + c["not_their_number_asked"]
    return (
        f"| {name} | {_share(c['not_their_number_hit'], c['not_their_number'])} "
        f"| {_share(either, c['not_their_number'])} "
        f"| {_share(c['ordinary_hit'], c['ordinary'])} | {_share(c['ordinary_asked'], c['ordinary'])} |"
    )


def main() -> None:
    parts = [INTRO]
    for folder, title in SETS:
        parts.append(render(title, *evaluate(load(ROOT / "bench" / folder))))
    markdown = "\n\n".join(parts)
    write_section("not_their_number", markdown)
    print(markdown)


if __name__ == "__main__":
    main()
