"""One-word messages: is a clear word answered, and is an empty one asked about instead of guessed?
Writes the `short_messages` section of docs/benchmarks.md.

On bench/short_messages/ (independent author, never trained on): per language 26 clear one-word messages
("ja", "boete?", a language's name) with the intent they carry, and 14 that say nothing on their own
("dus", "afspraak", a name), labelled `unclear`. Two readings of the same parse by the trained model:
  - *model alone*: the model's ranking with the FallbackClassifier's rule (below its threshold, or the
    first two within its ambiguity threshold, config.yml, is a fallback), as before the one-word guard;
  - *with the guard*: what the model says now (bot/components/short_message.py lowers a one-word intent
    the training data does not vouch for, so the bot asks the clarifying question).
Only the model is measured: the gateway answers some words before the bot sees them (STOP and its
equivalents, HELP, a digit in a menu).

    .venv/api/bin/python -m bench.short_messages
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from api.i18n import languages
from bench.clarify import load_realistic, options
from bench.crisis import NLU_AMBIGUITY, NLU_THRESHOLD, model_predictions
from bench.report import write_section

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "bench" / "short_messages"
FALLBACK = "nlu_fallback"  # the FallbackClassifier's intent (its settings: bench.crisis.fallback_settings)


def model_alone(prediction: dict) -> str:
    """The intent the FallbackClassifier would have let through on the model's ranking, or nlu_fallback."""
    ranking = [r for r in prediction["ranking"] if r["name"] != FALLBACK]
    if not ranking or ranking[0]["confidence"] < NLU_THRESHOLD:
        return FALLBACK
    if len(ranking) > 1 and ranking[0]["confidence"] - ranking[1]["confidence"] < NLU_AMBIGUITY:
        return FALLBACK
    return ranking[0]["name"]


def score(c: Counter, prefix: str, said: str, example: dict, ranking: list[dict]) -> None:
    label = example["intent"]
    if label == "unclear":
        c[f"{prefix}unclear_asked"] += said == FALLBACK
        return
    if said == FALLBACK:
        c[f"{prefix}clear_asked"] += 1
        c[f"{prefix}clear_offered"] += label in options(ranking)
    else:
        c[f"{prefix}clear_right"] += said == label


def evaluate() -> dict[str, Counter]:
    rows = load_realistic(EVAL)
    predictions = model_predictions([e["text"] for _, e in rows])
    if predictions is None:
        raise SystemExit("no trained model: make model")
    counts: dict[str, Counter] = defaultdict(Counter)
    for (code, example), prediction in zip(rows, predictions, strict=True):
        c = counts[code]
        c["unclear" if example["intent"] == "unclear" else "clear"] += 1
        score(c, "alone_", model_alone(prediction), example, prediction["ranking"])
        score(c, "guard_", prediction["intent"], example, prediction["ranking"])
    return counts


def render(counts: dict[str, Counter]) -> str:
    lines = [
        "On `bench/short_messages/` (independent author; per language 26 clear one-word messages and 14 that "
        "say nothing on their own). *Clear answered right*: the intended intent, at once. *Clear asked*: "
        "the bot asks the numbered question instead (in brackets: with the intended meaning among the "
        "options). *Unclear asked*: an empty word gets the question rather than a confident guess — the "
        "higher the better. *model alone* is the model (the blend, ADR 0025) with the fallback rule; "
        "*guard* adds bot/components/short_message.py. Model only: the gateway answers STOP, HELP and "
        "menu digits first.",
        "",
        "| language | clear answered right: model alone / guard | clear asked: model alone / guard "
        "| unclear asked: model alone / guard |",
        "|---|---|---|---|",
    ]
    total: Counter = Counter()
    for code in languages.CODES:
        if code in counts:
            total.update(counts[code])
            lines.append(_row(code, counts[code]))
    lines.append(_row("**all**", total))
    return "\n".join(lines)


def _row(name: str, c: Counter) -> str:
    def share(key: str, of: str) -> str:
        return f"{c[key] / c[of]:.0%}" if c[of] else "–"

    def asked(prefix: str) -> str:
        return f"{share(prefix + 'clear_asked', 'clear')} ({share(prefix + 'clear_offered', 'clear')})"

    return (
        f"| {name} | {share('alone_clear_right', 'clear')} / {share('guard_clear_right', 'clear')} "
        f"| {asked('alone_')} / {asked('guard_')} "
        f"| {share('alone_unclear_asked', 'unclear')} / {share('guard_unclear_asked', 'unclear')} |"
    )


def main() -> None:
    write_section("short_messages", "## One-word messages\n\n" + render(evaluate()))


if __name__ == "__main__":
    main()
