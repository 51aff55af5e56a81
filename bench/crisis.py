"""The crisis net measured on an independent set: recall and false alarms of the whole path, per language.

The whole path is what the gateway does: the deterministic detector (api.safety.crisis) OR the model's
`urgent_help` above the NLU threshold. bench/crisis_eval/ was written by someone who saw neither the
vocabulary nor the training data; it is never copied into either. Writes the `crisis` section of
docs/benchmarks.md.

    .venv/api/bin/python -m bench.crisis
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter, defaultdict
from pathlib import Path

import yaml

from api.i18n import languages
from api.localstack import BOT_BIN, model_path
from api.safety import crisis
from bench.report import write_section

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "bench" / "crisis_eval"
NLU_THRESHOLD = 0.4  # config.yml FallbackClassifier threshold: below it the model's intent is not used
TARGET_RECALL, TARGET_FALSE_ALARMS = 0.98, 0.03
THRESHOLDS = (0.4, 0.6, 0.8, 0.9)


def load_set() -> dict[str, dict[str, list[dict]]]:
    sets = {}
    for code in languages.CODES:
        path = EVAL / f"{code}.yml"
        if path.exists():
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            sets[code] = {"crisis": data.get("crisis") or [], "ordinary": data.get("ordinary") or []}
    return sets


def model_predictions(texts: list[str]) -> list[dict] | None:
    """The trained model's top intents, or None without a trained model (the detector is then alone)."""
    model = model_path()
    if not model.exists():
        return None
    out = subprocess.run(
        [str(BOT_BIN / "python"), str(ROOT / "bench" / "parse_bot.py"), str(model)],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        env={"RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin", "HOME": str(ROOT / "var")},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _model_says_urgent(prediction: dict | None, threshold: float = NLU_THRESHOLD) -> bool:
    if not prediction:
        return False
    return prediction["intent"] == "urgent_help" and prediction["confidence"] >= threshold


def evaluate() -> dict:
    sets = load_set()
    items = [
        (code, part, item) for code, parts in sets.items() for part, rows in parts.items() for item in rows
    ]
    predictions = model_predictions([item["text"] for _, _, item in items]) or [None] * len(items)
    detected = [crisis.detect(item["text"]) is not None for _, _, item in items]
    counts: dict[str, Counter] = defaultdict(Counter)
    misses: dict[str, Counter] = defaultdict(Counter)
    for (code, part, item), prediction, detector in zip(items, predictions, detected, strict=True):
        model = _model_says_urgent(prediction)
        hit = detector or model
        c = counts[code]
        c[f"{part}_n"] += 1
        c[f"{part}_hit"] += hit
        c[f"{part}_detector"] += detector
        c[f"{part}_model"] += model
        if part == "crisis" and not hit:
            misses[code][item.get("kind", "?")] += 1
    return {
        "counts": counts,
        "misses": misses,
        "model": predictions[0] is not None,
        "thresholds": _thresholds(items, predictions, detected),
    }


def _thresholds(items: list, predictions: list, detected: list[bool]) -> list[tuple[float, float, float]]:
    """(model threshold, path recall, path false alarms) over all languages: what a stricter model costs."""
    out = []
    for threshold in THRESHOLDS:
        hit = Counter()
        total = Counter()
        for (_, part, _), prediction, detector in zip(items, predictions, detected, strict=True):
            total[part] += 1
            hit[part] += detector or _model_says_urgent(prediction, threshold)
        out.append((threshold, hit["crisis"] / total["crisis"], hit["ordinary"] / total["ordinary"]))
    return out


def render(result: dict) -> str:
    counts, misses = result["counts"], result["misses"]
    lines = [
        "Recall on crisis messages and false alarms on ordinary ones that mention illness, children, help or "
        "staff, per language, from `bench/crisis_eval/` (independent author; never used for the "
        "vocabulary or training). *Path* = detector OR model (`urgent_help` ≥ 0.4): what the gateway does. "
        f"Target: recall ≥ {TARGET_RECALL:.2f}, false alarms ≤ {TARGET_FALSE_ALARMS:.0%}."
        + ("" if result["model"] else " **No trained model: the detector alone.**"),
        "",
        "| language | crisis | recall (path) | detector alone | model alone | ordinary | false alarms (path) "
        "| detector | model | missed, by kind |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    total = Counter()
    for code, c in sorted(counts.items()):
        total.update(c)
        lines.append(_row(code, c, misses.get(code, Counter())))
    lines.append(_row("**all**", total, sum(misses.values(), Counter())))
    if result["model"]:
        lines += [
            "",
            "What counting the model's `urgent_help` only above a stricter confidence would do (all "
            "languages):",
            "",
            "| model counts from | recall (path) | false alarms (path) |",
            "|---|---|---|",
        ]
        lines += [f"| {t:.1f} | {r:.3f} | {f:.3f} |" for t, r, f in result["thresholds"]]
    return "\n".join(lines)


def _row(name: str, c: Counter, missed: Counter) -> str:
    def share(k: str, n: str) -> str:
        return f"{c[k] / c[n]:.3f}" if c[n] else "–"

    kinds = ", ".join(f"{k} {v}" for k, v in missed.most_common()) or "–"
    return (
        f"| {name} | {c['crisis_n']} | {share('crisis_hit', 'crisis_n')} "
        f"| {share('crisis_detector', 'crisis_n')} "
        f"| {share('crisis_model', 'crisis_n')} | {c['ordinary_n']} | {share('ordinary_hit', 'ordinary_n')} "
        f"| {share('ordinary_detector', 'ordinary_n')} | {share('ordinary_model', 'ordinary_n')} | {kinds} |"
    )


def main() -> None:
    write_section("crisis", "## Crisis net: recall and false alarms\n\n" + render(evaluate()))


if __name__ == "__main__":
    main()
