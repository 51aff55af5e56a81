"""The evaluation sets in bench/ are never training data: no line of them appears in any training file.

bench/nlu_realistic*, bench/crisis_eval*, bench/number_eval* and bench/nlu_heldout were written apart from
bot/data and bot/data_staging; one copied line would make a figure in docs/benchmarks.md measure memory, not
understanding. Compared after lower-casing, removing entity annotations and collapsing spaces.

Short formulaic lines are what anyone writes ("ik kom morgen", "i will be there", "ik wil niet meer leven":
38 of 2,185 evaluation lines of up to six words also occur in training, written independently); only
longer lines count, and the one long line the issue itself quotes as an example, which both writers read.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from api.safety.classifier import example_lines, plain

ROOT = Path(__file__).resolve().parent.parent
TRAINING = [*(ROOT / "bot" / "data").rglob("*.yml"), *(ROOT / "bot" / "data_staging").rglob("*.yml")]
SHORT = 6  # words
QUOTED_BY_THE_ISSUE = {"i moved to belgium, please take my number off"}  # issue #14's own example
EVALUATION = sorted(
    p
    for pattern in ("nlu_realistic*/*.yml", "crisis_eval*/*.yml", "number_eval*/*.yml")
    for p in (ROOT / "bench").glob(pattern)
)


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", plain(text)).strip().lower()


def _training_lines() -> set[str]:
    return {_key(text) for path in TRAINING for _, text in example_lines(path)}


def _evaluation_lines(path: Path) -> set[str]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    items = [
        *(document.get("examples") or []),
        *(document.get("crisis") or []),
        *(document.get("ordinary") or []),
        *(document.get("not_their_number") or []),
    ]
    return {_key(item["text"]) for item in items}


@pytest.fixture(scope="module")
def training() -> set[str]:
    return _training_lines()


def test_there_are_evaluation_sets_to_keep_apart():
    assert any("nlu_realistic" in p.parent.name for p in EVALUATION)
    assert any("crisis_eval" in p.parent.name for p in EVALUATION)


@pytest.mark.parametrize("path", EVALUATION, ids=lambda p: p.relative_to(ROOT / "bench").as_posix())
def test_no_evaluation_line_is_a_training_line(path, training):
    shared = _evaluation_lines(path) & training - QUOTED_BY_THE_ISSUE
    copied = sorted(line for line in shared if len(line.split()) > SHORT)
    assert not copied, f"{path.name}: in the training data too: {copied[:5]}"
