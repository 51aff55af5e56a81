"""The NLU side-by-side report lists every realistic set it was given, in the order they were written."""

from __future__ import annotations

from bench import nlu_pipelines


def _scores() -> dict:
    return {"macro_f1": 0.9, "accuracy": 0.9, "urgent_recall": 1.0, "examples": 1}


def _results(keys: list[str]) -> dict:
    one = {f"realistic{key}": {"nl": _scores(), "all": _scores()} for key in keys}
    one |= {f"phenomena{key}": {"story": [9, 10]} for key in keys}
    one |= {"heldout": {"nl": _scores(), "all": _scores()}, "train_seconds": 1, "median_ms": 1, "p95_ms": 2}
    return {"diet": one}


def test_every_realistic_set_is_reported_in_the_order_written():
    written = ["21", "20", "19", "18", "17", "16", "15", "14", "13", "12", "11", "10", "", "2", "9"]
    text = nlu_pipelines.render(_results(written))
    titles = [line for line in text.splitlines() if line.endswith("intent macro-F1 per language")]
    assert [t.split(":")[0] for t in titles] == [
        "### Realistic set (development)",
        "### Second realistic set (`bench/nlu_realistic2/`, development since 2026-12-05)",
        "### Ninth realistic set (`bench/nlu_realistic9/`, development since 2026-12-06",
        "### Tenth realistic set (`bench/nlu_realistic10/`, development since 2026-12-06",
        "### Eleventh realistic set (`bench/nlu_realistic11/`, development since 2026-12-06",
        "### Twelfth realistic set (`bench/nlu_realistic12/`, development since 2026-12-06",
        "### Thirteenth realistic set (`bench/nlu_realistic13/`, development since 2026-12-07",
        "### Fourteenth realistic set (`bench/nlu_realistic14/`, development since 2026-12-07",
        "### Fifteenth realistic set (`bench/nlu_realistic15/`, development since 2026-12-07",
        "### Sixteenth realistic set (`bench/nlu_realistic16/`, development since 2026-12-07",
        "### Seventeenth realistic set (`bench/nlu_realistic17/`, development since 2026-12-07",
        "### Eighteenth realistic set (`bench/nlu_realistic18/`, development since 2026-12-07",
        "### Nineteenth realistic set (`bench/nlu_realistic19/`, development since 2026-12-07",
        "### Twentieth realistic set (`bench/nlu_realistic20/`, the test, written on 2026-12-07)",
        "### Realistic set 21 (`bench/nlu_realistic21/`)",
        "### Held-out split",
    ]


def test_a_realistic_set_without_results_is_left_out():
    results = _results(["", "2"])
    results["diet"]["realistic2"] = {}
    text = nlu_pipelines.render(results)
    assert "Second realistic set" not in text and "Realistic set (development)" in text
