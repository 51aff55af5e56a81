"""Read a development crisis set by kind, and see what a vocabulary change moves before it lands.

Two jobs for whoever writes the crisis vocabulary (ADR 0021, "read by kind"):

    PYTHONPATH=. .venv/api/bin/python scripts/crisis_read.py verdicts bench/crisis_eval17 [--checks] [nl en …]
    PYTHONPATH=. .venv/api/bin/python scripts/crisis_read.py compare /tmp/vocabulary-before

`verdicts` lists, per language, each crisis that got no numbers (MISS) and each ordinary message that got an
alarm (ALARM; with --checks also the gentle lines, CHECK), with what each part of the net said: the
detector's category and pattern, the classifier's probability, the model's intent. It reads development
sets only: the test (the last of bench/crisis.py's SETS) and a set not yet in that list (written, unread)
are refused, so that no line of them is ever printed.

`compare` runs the detector with the vocabulary in the given folder (a copy taken before the change) and with
the current one over every development crisis and realistic NLU set, the training and staging data and the
held-out split, and prints each line whose verdict moved (nothing → check → alarm, or back), with its
source. The test sets and the unread sets are left out here too.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.safety import classifier, crisis  # noqa: E402
from bench import crisis as bench  # noqa: E402
from bench.nlu_pipelines import REALISTIC_TITLES  # noqa: E402


def development_sets() -> list[Path]:
    """The crisis sets whose lines may be read: every set of the benchmark but the last (the test)."""
    return [s.folder for s in bench.SETS[:-1]]


def development_nlu_sets() -> list[Path]:
    """The realistic NLU sets the benchmark calls development (the test and the unread sets are not)."""
    return [
        ROOT / "bench" / f"nlu_realistic{key}"
        for key, title in REALISTIC_TITLES.items()
        if "the test" not in title and (ROOT / "bench" / f"nlu_realistic{key}").is_dir()
    ]


def _refuse_unless_development(folder: Path) -> Path:
    folder = folder.resolve()
    if folder not in {f.resolve() for f in development_sets()}:
        raise SystemExit(f"{folder.name}: not a development set (the test or unread); its lines stay unread")
    return folder


def _why(detector: crisis.Hit | None, score: float, prediction: dict | None) -> str:
    parts = [f"det={detector.category}:{detector.language}:{detector.pattern}" if detector else "det=-"]
    parts.append(f"clf={score:.2f}")
    if prediction:
        parts.append(f"model={prediction['intent']}:{prediction['confidence']:.2f}")
    return " ".join(parts)


def verdicts(folder: Path, languages: list[str], checks: bool) -> None:
    sets = bench.load_set(_refuse_unless_development(folder))
    items = [
        (code, part, item)
        for code, parts in sets.items()
        if not languages or code in languages
        for part, rows in parts.items()
        for item in rows
    ]
    predictions = bench.model_predictions([item["text"] for _, _, item in items]) or [None] * len(items)
    trained = classifier.classifier()
    cut = trained.threshold if trained else 1.01
    gentle = trained.check if trained else 1.01
    for (code, part, item), prediction in zip(items, predictions, strict=True):
        detector = crisis.detect(item["text"])
        score = bench._classifier_score(trained, item["text"])
        alarm, check = bench.path_levels(detector, score, bench._model_says_urgent(prediction), cut, gentle)
        label = None
        if part == "crisis" and not (alarm or check):
            label = "MISS"
        elif part == "ordinary" and alarm:
            label = "ALARM"
        elif part == "ordinary" and check and checks:
            label = "CHECK"
        if label:
            kind = item.get("kind", "?")
            print(f"{label:5} {code:5} {kind:14} {item['text']}\n      {_why(detector, score, prediction)}")


def _level(hit: crisis.Hit | None) -> str:
    return "nothing" if hit is None else "alarm" if hit.alarm else "check"


def _lines() -> Iterator[tuple[str, str]]:
    for folder in development_sets():
        for code, parts in bench.load_set(folder).items():
            for part, rows in parts.items():
                yield from ((f"{folder.name}/{code}/{part}", item["text"]) for item in rows)
    for folder in development_nlu_sets():
        for path in sorted(folder.glob("*.yml")):
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for item in document.get("examples") or []:
                yield f"{folder.name}/{path.stem}/{item.get('intent', '?')}", item["text"]
    training = [ROOT / "bot" / "data", ROOT / "bot" / "data_staging", ROOT / "bench" / "nlu_heldout"]
    for path in sorted(p for folder in training for p in folder.rglob("*.yml")):
        for intent, text in classifier.example_lines(path):  # without entity annotations
            yield f"{path.relative_to(ROOT).as_posix()}/{intent or '?'}", text


def compare(before_folder: Path) -> None:
    before = crisis.load(before_folder)
    after = crisis.vocabulary()
    moved = total = 0
    for source, text in _lines():
        total += 1
        was, now = _level(before.detect(text)), _level(after.detect(text))
        if was != now:
            moved += 1
            print(f"{was:>7} → {now:7} {source}: {text}")
    print(f"{moved} detector verdicts moved over {total:,} lines")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    jobs = parser.add_subparsers(dest="job", required=True)
    read = jobs.add_parser("verdicts", help="misses and false alarms of one development set")
    read.add_argument("folder", type=Path)
    read.add_argument("languages", nargs="*")
    read.add_argument("--checks", action="store_true", help="also the ordinary messages given a gentle line")
    moved = jobs.add_parser("compare", help="detector verdicts moved by a vocabulary change")
    moved.add_argument("before", type=Path, help="a copy of api/safety/crisis_vocabulary before the change")
    args = parser.parse_args()
    if args.job == "verdicts":
        verdicts(args.folder, args.languages, args.checks)
    else:
        compare(args.before)


if __name__ == "__main__":
    main()
