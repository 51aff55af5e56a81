"""NLU pipelines side by side, in one run: each trained from scratch on bot/data and measured on the
independent realistic set (per language and per phenomenon) and on the held-out split. Writes the
`nlu_pipelines` section of docs/benchmarks.md.

    .venv/api/bin/python -m bench.nlu_pipelines

The candidates are derived from config.yml, so they stay comparable as it changes:
- *diet*: the pipeline without the TF-IDF blend (whitespace tokens, word and character n-gram counts, DIET);
- *tfidf_lr*: the baseline: TF-IDF word and character n-grams with logistic regression, nothing else;
- *diet_blend*: config.yml itself: DIET with the TF-IDF + LR model, reading the consonant skeleton too,
  blended into its ranking (bot/components/intent_blend.py; ADR 0023, ADR 0025);
- *blend_0023*: the blend as ADR 0023 first set it (DIET 8 epochs, half-and-half, no skeleton), on the same
  data, to show what ADR 0025 changed.
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
from pathlib import Path

import yaml

from api.localstack import BOT_BIN
from bench.report import write_section

ROOT = Path(__file__).resolve().parent.parent
BLEND = "components.intent_blend.IntentBlend"
GUARD = "components.short_message.ShortMessageGuard"
TARGETS = {
    "macro_f1_all": 0.92,
    "macro_f1_language": 0.88,
    "phenomenon": 0.85,
    "urgent": 0.95,
    "heldout": 0.95,
}


def candidates() -> dict[str, dict]:
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    production = [dict(step) for step in config["pipeline"]]
    base = [step for step in production if step["name"] != BLEND]
    fallback = next(step for step in base if step["name"] == "FallbackClassifier")
    guard = [step for step in base if step["name"] == GUARD]
    pipelines = {
        "diet": base,
        "tfidf_lr": [{"name": "WhitespaceTokenizer"}, {"name": BLEND, "weight": 1.0}, *guard, fallback],
        "diet_blend": production,
        "blend_0023": [_first_blend(step) for step in production],
    }
    return {name: {**copy.deepcopy(config), "pipeline": steps} for name, steps in pipelines.items()}


def _variant(setting: str) -> tuple[str, dict]:
    """`epochs=9` -> ("diet_epochs=9", the diet candidate with DIET's epochs at 9)."""
    key, _, value = setting.partition("=")
    config = candidates()["diet"]
    for step in config["pipeline"]:
        if step["name"] == "DIETClassifier":
            step[key] = yaml.safe_load(value)
    return f"diet_{setting}", config


def _first_blend(step: dict) -> dict:
    """A step as ADR 0023 set it: DIET at 8 epochs, the blend half-and-half without the consonant skeleton."""
    if step["name"] == "DIETClassifier":
        return {**step, "epochs": 8}
    if step["name"] == BLEND:
        return {"name": BLEND, "weight": 0.5}
    return step


def run(name: str, config: dict, extra: list[str]) -> dict:
    path = ROOT / "var" / "bench-pipelines" / f"{name}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    out = subprocess.run(
        [str(BOT_BIN / "python"), str(ROOT / "bench" / "nlu_pipelines_bot.py"), str(path), name, *extra],
        capture_output=True,
        text=True,
        check=True,
        env={"RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin", "HOME": str(ROOT / "var")},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# What each realistic set is now: a development set once its lines were read for a choice, a test until then.
REALISTIC_TITLES = {
    "": "Realistic set (development)",
    "2": "Second realistic set (`bench/nlu_realistic2/`, development since 2026-12-05)",
    "3": "Third realistic set (`bench/nlu_realistic3/`, development since the evening of 2026-12-05)",
    "4": "Fourth realistic set (`bench/nlu_realistic4/`, a test: no choice was made on it)",
    "5": "Fifth realistic set (`bench/nlu_realistic5/`, development since late at night on 2026-12-05)",
    "6": "Sixth realistic set (`bench/nlu_realistic6/`, development since 2026-12-06)",
    "7": "Seventh realistic set (`bench/nlu_realistic7/`, development since 2026-12-06: the eighth came)",
    "8": "Eighth realistic set (`bench/nlu_realistic8/`, development since 2026-12-06: the ninth came)",
    "9": "Ninth realistic set (`bench/nlu_realistic9/`, development since 2026-12-06: the tenth came)",
    "10": "Tenth realistic set (`bench/nlu_realistic10/`, development since 2026-12-06: the eleventh came)",
    "11": "Eleventh realistic set (`bench/nlu_realistic11/`, development since 2026-12-06: the twelfth came)",
    "12": "Twelfth realistic set (`bench/nlu_realistic12/`, development since 2026-12-06: the 13th came)",
    "13": "Thirteenth realistic set (`bench/nlu_realistic13/`, development since 2026-12-07: the 14th came)",
    "14": "Fourteenth realistic set (`bench/nlu_realistic14/`, development since 2026-12-07: the 15th came)",
    "15": "Fifteenth realistic set (`bench/nlu_realistic15/`, development since 2026-12-07: the 16th came)",
    "16": "Sixteenth realistic set (`bench/nlu_realistic16/`, development since 2026-12-07: the 17th came)",
    "17": "Seventeenth realistic set (`bench/nlu_realistic17/`, development since 2026-12-07: the 18th came)",
    "18": "Eighteenth realistic set (`bench/nlu_realistic18/`, development since 2026-12-07: the 19th came)",
    "19": "Nineteenth realistic set (`bench/nlu_realistic19/`, development since 2026-12-07: the 20th came)",
    "20": "Twentieth realistic set (`bench/nlu_realistic20/`, the test, written on 2026-12-07)",
}


def _mark(value: float | None, target: float) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if value >= target else f"**{value:.3f}**"


def _realistic_tables(
    results: dict[str, dict], names: list[str], languages: list[str], key: str, title: str, head: str
) -> list[str]:
    lines = ["", f"### {title}: intent macro-F1 per language", "", head]
    for code in [*languages, "all"]:
        target = TARGETS["macro_f1_all"] if code == "all" else TARGETS["macro_f1_language"]
        cells = [_mark(results[n][f"realistic{key}"][code]["macro_f1"], target) for n in names]
        lines.append(f"| {'**all**' if code == 'all' else code} | " + " | ".join(cells) + " |")
    lines += ["", f"### {title}: accuracy per phenomenon", "", head]
    for phenomenon in sorted(results[names[0]][f"phenomena{key}"]):
        cells = []
        for n in names:
            right, total = results[n][f"phenomena{key}"][phenomenon]
            cells.append(f"{_mark(right / total, TARGETS['phenomenon'])} ({total})")
        lines.append(f"| {phenomenon} | " + " | ".join(cells) + " |")
    lines += ["", f"### {title}: `urgent_help` recall from the model alone", "", head]
    for code in [*languages, "all"]:
        recalls = [results[n][f"realistic{key}"][code]["urgent_recall"] for n in names]
        cells = [_mark(recall, TARGETS["urgent"]) for recall in recalls]
        lines.append(f"| {code} | " + " | ".join(cells) + " |")
    return lines


def render(results: dict[str, dict]) -> str:
    names = list(results)
    languages = [code for code in results[names[0]]["realistic"] if code != "all"]
    head = "| | " + " | ".join(names) + " |\n|---|" + "---|" * len(names)
    lines = [
        "Each candidate trained from scratch on `bot/data` (NLU only) and measured on `bench/nlu_realistic/` "
        "(independent author, never trained on; stories, indirect requests, two intents, Dutch words, "
        "transliteration, misspellings, voice typing) and on the held-out split `bench/nlu_heldout/`. "
        "**Bold** = below target (realistic macro-F1 ≥ 0.92 overall and ≥ 0.88 per language; indirect and "
        "multi-sentence ≥ 0.85; `urgent_help` recall ≥ 0.95 from the model alone; held-out ≥ 0.95 per "
        "language). A fallback (`nlu_fallback`) counts as wrong.",
    ]
    realistic = sorted(
        (name.removeprefix("realistic") for name in results[names[0]] if name.startswith("realistic")),
        key=lambda suffix: int(suffix or 1),
    )
    for key in realistic:
        title = REALISTIC_TITLES.get(key, f"Realistic set {key} (`bench/nlu_realistic{key}/`)")
        if not results[names[0]].get(f"realistic{key}"):
            continue
        lines += _realistic_tables(results, names, languages, key, title, head)
    lines += ["", "### Held-out split: intent macro-F1 per language", "", head]
    for code in [*languages, "all"]:
        cells = [_mark(results[n]["heldout"][code]["macro_f1"], TARGETS["heldout"]) for n in names]
        lines.append(f"| {code} | " + " | ".join(cells) + " |")
    lines += ["", "### Cost", "", head]
    for label, key, digits in (
        ("NLU training from scratch, s", "train_seconds", 0),
        ("parse median, ms", "median_ms", 1),
        ("parse p95, ms", "p95_ms", 1),
    ):
        lines.append(f"| {label} | " + " | ".join(f"{results[n][key]:.{digits}f}" for n in names) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    """All candidates, written to docs/benchmarks.md; or only the named ones, printed (for trying).

    `--extra FOLDER` (trying only) trains the candidates on bot/data/nlu and that folder as well;
    `--diet KEY=VALUE` (trying only) adds a candidate: *diet* with that DIET setting (a YAML value).
    """
    parser = argparse.ArgumentParser(prog="python -m bench.nlu_pipelines")
    parser.add_argument("names", nargs="*", help="candidates to try (default: all)")
    parser.add_argument("--extra", action="append", default=[], metavar="FOLDER", help="more NLU data")
    parser.add_argument("--diet", action="append", default=[], metavar="KEY=VALUE", help="a DIET variant")
    args = parser.parse_args(argv)
    everything = candidates() | dict(_variant(setting) for setting in args.diet)
    wanted = set(args.names) | {f"diet_{s}" for s in args.diet}
    chosen = {name: config for name, config in everything.items() if not wanted or name in wanted}
    results = {name: run(name, config, args.extra) for name, config in chosen.items()}
    (ROOT / "var" / "bench-pipelines" / "results.json").write_text(json.dumps(results, indent=1))
    if not argv:
        write_section("nlu_pipelines", "## NLU pipelines side by side\n\n" + render(results))
    print(render(results))


if __name__ == "__main__":
    main(sys.argv[1:])
