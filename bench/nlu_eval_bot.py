"""Runs inside the bot environment (Python 3.10): parse the held-out NLU split with the trained model.

Prints one JSON document: per language the intent macro-F1, the confusion pairs and parse times, and
under "nonsense" what the model makes of typed nonsense. Never trained on: bench/nlu_heldout/ is outside
bot/data/, and the nonsense is generated here from a fixed seed.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import string
import sys
import time
from collections import Counter
from pathlib import Path

from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data
from sklearn.metrics import f1_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bot"))  # custom components (bot/components) load from there


# Intents after which the bot changes something at once (a record, a person alerted) or starts a flow.
ACTING = {
    "confirm_attendance",
    "report_absence",
    "request_reschedule",
    "check_in",
    "change_language",
    "request_human",
    "urgent_help",
}
NONSENSE_COUNT = 300
NONSENSE_TRAINING = ROOT / "bot" / "data" / "nlu" / "nonsense.yml"


def nonsense(count: int, seed: int = 2026) -> list[str]:
    """Typed nonsense of the kinds people send by accident: random letters, a held key, keyboard rows,
    punctuation. No digits (menu answers and check-in codes) and no emoji (a thumb is a real answer)."""
    rng = random.Random(seed)
    rows = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]

    def letters() -> str:
        return " ".join(
            "".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 8)))
            for _ in range(rng.randint(1, 3))
        )

    def held_key() -> str:
        return rng.choice(string.ascii_lowercase) * rng.randint(3, 9)

    def keyboard_row() -> str:
        row = rng.choice(rows)
        start = rng.randint(0, len(row) - 4)
        return row[start : start + rng.randint(4, len(row) - start)]

    def punctuation() -> str:
        return "".join(rng.choices("?!.,-#*", k=rng.randint(1, 6)))

    kinds = [letters, letters, held_key, keyboard_row, punctuation]
    trained = {example.get("text") for example in load_data(str(NONSENSE_TRAINING)).intent_examples}
    out: list[str] = []
    while len(out) < count:
        text = rng.choice(kinds)()
        if text not in trained:  # measure what the model makes of nonsense it has not seen
            out.append(text)
    return out


async def evaluate_nonsense(agent: Agent) -> dict:
    intents: Counter = Counter()
    acting: Counter = Counter()
    for text in nonsense(NONSENSE_COUNT):
        name = (await agent.parse_message(text))["intent"]["name"]
        intents[name] += 1
        if name in ACTING:
            acting[text] += 1
    return {
        "count": NONSENSE_COUNT,
        "intents": intents.most_common(),
        "acting": sum(acting.values()),
        "acting_examples": list(acting)[:8],
    }


async def evaluate(model: str) -> dict:
    agent = Agent.load(model)
    result = {"nonsense": await evaluate_nonsense(agent)}
    for path in sorted((ROOT / "bench" / "nlu_heldout").glob("*.yml")):
        data = load_data(str(path))
        truth, predicted, times = [], [], []
        for example in data.intent_examples:
            started = time.perf_counter()
            parsed = await agent.parse_message(example.get("text"))
            times.append((time.perf_counter() - started) * 1000)
            truth.append(example.get("intent"))
            predicted.append(parsed["intent"]["name"])
        confusions = Counter((t, p) for t, p in zip(truth, predicted, strict=True) if t != p)
        result[path.stem] = {
            "examples": len(truth),
            "macro_f1": f1_score(
                truth, predicted, average="macro", labels=sorted(set(truth)), zero_division=0
            ),
            "accuracy": sum(t == p for t, p in zip(truth, predicted, strict=True)) / max(1, len(truth)),
            "median_parse_ms": statistics.median(times) if times else 0.0,
            "p95_parse_ms": sorted(times)[int(0.95 * (len(times) - 1))] if times else 0.0,
            "confusions": [[t, p, n] for (t, p), n in confusions.most_common(5)],
        }
    return result


if __name__ == "__main__":
    print(json.dumps(asyncio.run(evaluate(sys.argv[1]))))
