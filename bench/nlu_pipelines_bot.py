"""Runs inside the bot environment (Python 3.10): train one NLU pipeline from scratch and evaluate it.

    python bench/nlu_pipelines_bot.py <config.yml> <name> [extra NLU folder ...]

Trains NLU only (timed) into var/bench-pipelines/ on bot/data/nlu (and, for trying what more data would do,
the extra folders given, e.g. a batch under bot/data_staging/), then parses the independent realistic sets
(bench/nlu_realistic/, and bench/nlu_realistic2/, nlu_realistic3/ … each written later
by another author as a fresh test) and the held-out split (bench/nlu_heldout/), none of which is ever
trained on. Prints one JSON document: training seconds, and per set and language the intent macro-F1,
accuracy, `urgent_help` recall and parse times; for the realistic sets also accuracy per phenomenon.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml
from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data
from sklearn.metrics import f1_score

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench-pipelines"
sys.path.insert(0, str(ROOT / "bot"))  # custom components (bot/components) load from there


def _nlu_folder(extra: list[str], into: Path) -> Path:
    """bot/data/nlu, or a folder of links to it and to the extra folders' files."""
    if not extra:
        return ROOT / "bot" / "data" / "nlu"
    into.mkdir()
    for number, folder in enumerate([ROOT / "bot" / "data" / "nlu", *(ROOT / e for e in extra)]):
        for path in folder.rglob("*.yml"):
            (into / f"{number}-{path.relative_to(folder).as_posix().replace('/', '-')}").symlink_to(path)
    return into


def train(config: Path, name: str, extra: list[str]) -> tuple[Path, float]:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        nlu = _nlu_folder(extra, Path(scratch) / "nlu")
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "rasa", "train", "nlu", "--config", str(config), "--nlu", str(nlu),
             "--out", str(OUT), "--fixed-model-name", name],
            cwd=ROOT / "bot",
            # An empty cache of its own: from scratch, not from another candidate's featurizers.
            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "RASA_CACHE_DIRECTORY": f"{scratch}/cache"},
            check=True,
            capture_output=True,
        )  # fmt: skip
        return OUT / f"{name}.tar.gz", time.monotonic() - started


def realistic_keys() -> list[str]:
    """The realistic sets there are, by folder: "" (bench/nlu_realistic), "2", "3", … in the order written."""
    suffixes = [path.name.removeprefix("nlu_realistic") for path in (ROOT / "bench").glob("nlu_realistic*")]
    return sorted(suffixes, key=lambda suffix: int(suffix or 1))


def realistic(folder: str = "nlu_realistic") -> dict[str, list[dict]]:
    sets = {}
    for path in sorted((ROOT / "bench" / folder).glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        sets[document["language"]] = document["examples"]
    return sets


def heldout() -> dict[str, list[dict]]:
    sets = {}
    for path in sorted((ROOT / "bench" / "nlu_heldout").glob("*.yml")):
        data = load_data(str(path))
        sets[path.stem] = [{"text": m.get("text"), "intent": m.get("intent")} for m in data.intent_examples]
    return sets


async def parse(agent: Agent, examples: list[dict]) -> tuple[list[str], list[float]]:
    predicted, millis = [], []
    for example in examples:
        started = time.perf_counter()
        result = await agent.parse_message(example["text"])
        millis.append((time.perf_counter() - started) * 1000)
        predicted.append(result["intent"].get("name") or "nlu_fallback")
    return predicted, millis


def scores(gold: list[str], predicted: list[str]) -> dict:
    urgent = [p for g, p in zip(gold, predicted, strict=True) if g == "urgent_help"]
    return {
        "examples": len(gold),
        "macro_f1": f1_score(gold, predicted, labels=sorted(set(gold)), average="macro", zero_division=0),
        "accuracy": sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold),
        "urgent_recall": (sum(p == "urgent_help" for p in urgent) / len(urgent)) if urgent else None,
    }


async def evaluate(model: Path) -> dict:
    agent = Agent.load(str(model))
    keys = realistic_keys()
    report: dict = {f"realistic{key}": {} for key in keys} | {"heldout": {}, "millis": []}
    report |= {f"phenomena{key}": defaultdict(lambda: [0, 0]) for key in keys}
    for set_name, sets in (
        *((f"realistic{key}", realistic(f"nlu_realistic{key}")) for key in keys),
        ("heldout", heldout()),
    ):
        if not sets:
            continue
        all_gold, all_predicted = [], []
        for language, examples in sets.items():
            predicted, millis = await parse(agent, examples)
            gold = [e["intent"] for e in examples]
            report[set_name][language] = scores(gold, predicted)
            report["millis"] += millis
            all_gold += gold
            all_predicted += predicted
            if set_name.startswith("realistic"):
                phenomena = report["phenomena" + set_name.removeprefix("realistic")]
                for example, guess in zip(examples, predicted, strict=True):
                    for phenomenon in example.get("phenomena") or []:
                        phenomena[phenomenon][0] += guess == example["intent"]
                        phenomena[phenomenon][1] += 1
        report[set_name]["all"] = scores(all_gold, all_predicted)
    millis = sorted(report.pop("millis"))
    report["median_ms"] = statistics.median(millis)
    report["p95_ms"] = millis[int(0.95 * (len(millis) - 1))]
    return report


if __name__ == "__main__":
    model, seconds = train(Path(sys.argv[1]), sys.argv[2], sys.argv[3:])
    result = asyncio.run(evaluate(model))
    result["train_seconds"] = seconds
    print(json.dumps(result))
