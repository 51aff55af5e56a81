"""scripts/crisis_read.py prints lines of evaluation sets: only of the development sets, never of the test."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("crisis_read", ROOT / "scripts" / "crisis_read.py")
crisis_read = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(crisis_read)


def test_the_test_set_is_refused(capsys):
    with pytest.raises(SystemExit, match="not a development set"):
        crisis_read.verdicts(crisis_read.bench.SETS[-1].folder, [], checks=True)
    assert capsys.readouterr().out == ""


def test_a_set_not_yet_in_the_benchmark_is_refused(tmp_path):
    unread = tmp_path / "crisis_eval99"
    unread.mkdir()
    with pytest.raises(SystemExit, match="not a development set"):
        crisis_read.verdicts(unread, [], checks=False)


def test_the_development_sets_are_all_but_the_test():
    folders = crisis_read.development_sets()
    assert crisis_read.bench.SETS[-1].folder not in folders
    assert len(folders) == len(crisis_read.bench.SETS) - 1


def test_the_nlu_test_set_is_not_compared():
    titles = crisis_read.REALISTIC_TITLES
    test_keys = [key for key, title in titles.items() if "the test" in title]
    assert test_keys, "the benchmark names one realistic set as the test"
    compared = {p.name for p in crisis_read.development_nlu_sets()}
    assert not compared & {f"nlu_realistic{key}" for key in test_keys}
    assert "nlu_realistic2" in compared


def test_compare_reports_a_moved_verdict(tmp_path, capsys, monkeypatch):
    before = tmp_path / "before"
    before.mkdir()
    (before / "en.yml").write_text(
        'language: en\npatterns:\n  suicide:\n    - "zorblax ~ quixote"\n', encoding="utf-8"
    )
    monkeypatch.setattr(crisis_read, "_lines", lambda: iter([("made/up", "zorblax the quixote")]))
    crisis_read.compare(before)
    out = capsys.readouterr().out
    assert "alarm → nothing" in out and "1 detector verdicts moved over 1 lines" in out
