"""How often a realistic message ends in "I did not understand", and how often the clarifying question
would offer the right meaning instead. Writes the `clarify` section of docs/benchmarks.md.

On bench/nlu_realistic/ (independent author, never trained on): a turn is a fallback when the model says
nlu_fallback (below the threshold, or two intents too close). The bot then asks one numbered question
with the two or three likeliest meanings (bot/actions/escalation.py, mirrored here); it is *rescued* when
the intended meaning is among them, and ends in "say it differently" when fewer than two can be offered.

    .venv/api/bin/python -m bench.clarify
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import yaml

from api.bot_endpoints.messages import INTENT_LABELS
from api.i18n import languages
from bench.crisis import NLU_AMBIGUITY, NLU_THRESHOLD, model_predictions
from bench.report import write_section

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "bench" / "nlu_realistic"
# What the bot may offer: bot/actions/escalation.py CLARIFIABLE, which a test keeps equal to the labels.
CLARIFIABLE = frozenset(INTENT_LABELS)
MAX_OPTIONS, MIN_OPTION_CONFIDENCE = 3, 0.05


def options(ranking: list[dict]) -> list[str]:
    names = [
        r["name"] for r in ranking if r["name"] in CLARIFIABLE and r["confidence"] >= MIN_OPTION_CONFIDENCE
    ]
    return names[:MAX_OPTIONS]


def load_realistic(folder: Path = EVAL) -> list[tuple[str, dict]]:
    """(language, example) for every message of an independent set (`<code>.yml` with `examples`), in
    language order: the realistic set unless another folder is given."""
    rows = []
    for code in languages.CODES:
        path = folder / f"{code}.yml"
        if path.exists():
            rows += [(code, e) for e in yaml.safe_load(path.read_text(encoding="utf-8"))["examples"]]
    return rows


def evaluate() -> dict[str, Counter]:
    rows = load_realistic()
    predictions = model_predictions([e["text"] for _, e in rows])
    if predictions is None:
        raise SystemExit("no trained model: make model")
    counts: dict[str, Counter] = defaultdict(Counter)
    for (code, example), prediction in zip(rows, predictions, strict=True):
        c = counts[code]
        c["turns"] += 1
        if prediction["intent"] != "nlu_fallback":
            continue
        c["fallback"] += 1
        offered = options(prediction["ranking"])
        if len(offered) < 2:
            c["rephrase"] += 1
        elif example["intent"] in offered:
            c["rescued"] += 1
        else:
            c["offered_wrong"] += 1
    return counts


def render(counts: dict[str, Counter]) -> str:
    lines = [
        "On `bench/nlu_realistic/` (independent realistic set). *Fallback*: the model is unsure (below "
        f"{NLU_THRESHOLD} or two intents within {NLU_AMBIGUITY}). Then the bot asks one numbered question "
        "with the likeliest meanings: *rescued* = the intended meaning is offered; *wrong options* = "
        "offered, but not the intended one; *rephrase* = fewer than two meanings to offer. *Ends in not "
        "understood* = fallback turns not rescued (they get a second chance, then a person).",
        "",
        "| language | turns | fallback | rescued by the question | wrong options | rephrase "
        "| ends in not understood |",
        "|---|---|---|---|---|---|---|",
    ]
    total = Counter()
    for code, c in sorted(counts.items()):
        total.update(c)
        lines.append(_row(code, c))
    lines.append(_row("**all**", total))
    return "\n".join(lines)


def _row(name: str, c: Counter) -> str:
    def share(k: str) -> str:
        return f"{c[k] / c['turns']:.1%}" if c["turns"] else "–"

    unresolved = c["fallback"] - c["rescued"]
    not_understood = f"{unresolved / c['turns']:.1%}" if c["turns"] else "–"
    return (
        f"| {name} | {c['turns']} | {share('fallback')} | {share('rescued')} | {share('offered_wrong')} "
        f"| {share('rephrase')} | {not_understood} |"
    )


def main() -> None:
    write_section("clarify", "## Fallbacks and the clarifying question\n\n" + render(evaluate()))


if __name__ == "__main__":
    main()
