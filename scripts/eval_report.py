"""`make eval`: the NLU evaluation harness.

On the held-out set (``tests/nlu_holdout.yml``, never trained on) and with k-fold
cross-validation over ``data/nlu.yml`` it prints per-intent precision, recall
and F1, FAQ accuracy, out-of-scope rejection, the errors, and a sweep of the
fallback threshold. It writes ``reports/eval.md`` and a confusion matrix
(``reports/confusion_holdout.png``). Exits non-zero below the targets.

Usage: python -m scripts.eval_report [--folds K] [--model PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scripts.evaluate import (
    DEFAULT_HOLDOUT,
    DEFAULT_MODEL,
    MIN_FAQ_ACCURACY,
    MIN_OOS_REJECTION,
    OUT_OF_SCOPE,
    REJECTED,
    ROOT,
    load_examples,
)

REPORTS = ROOT / "reports"
CONFIG = ROOT / "config.yml"
NLU = ROOT / "data" / "nlu.yml"
SWEEP = [round(0.30 + 0.05 * i, 2) for i in range(14)]  # 0.30 .. 0.95
REJECT = "(not answered)"


@dataclass(frozen=True)
class Prediction:
    text: str
    expected: str
    predicted: str  # after the FallbackClassifier
    top: str  # the classifier's first choice
    confidence: float
    margin: float  # first minus second confidence

    def at(self, threshold: float, ambiguity: float) -> str:
        """What the bot would predict with another fallback threshold."""
        if self.confidence < threshold or self.margin < ambiguity:
            return "nlu_fallback"
        return self.top


def shipped_thresholds() -> tuple[float, float]:
    import yaml

    for component in yaml.safe_load(CONFIG.read_text())["pipeline"]:
        if component["name"] == "FallbackClassifier":
            return float(component["threshold"]), float(component.get("ambiguity_threshold", 0.1))
    raise SystemExit("config.yml has no FallbackClassifier")


def load_agent(model: Path):  # noqa: ANN201
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    return Agent.load(str(model))


async def predict(agent, examples: list[tuple[str, str]]) -> list[Prediction]:  # noqa: ANN001
    out = []
    for text, expected in examples:
        parsed = await agent.parse_message(text)
        ranking = [r for r in parsed.get("intent_ranking") or [] if r["name"] != "nlu_fallback"]
        first = ranking[0] if ranking else {"name": "", "confidence": 0.0}
        second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
        out.append(
            Prediction(
                text=text,
                expected=expected,
                predicted=(parsed.get("intent") or {}).get("name") or "",
                top=first["name"],
                confidence=float(first["confidence"]),
                margin=float(first["confidence"]) - float(second),
            )
        )
    return out


def label(intent: str) -> str:
    """Both ways of not answering count as the out-of-scope outcome."""
    return REJECT if intent in REJECTED else intent


@dataclass
class Scores:
    faq_accuracy: float
    oos_rejection: float
    wrong_answer_rate: float  # share of all questions answered with a wrong FAQ answer


def scores(pairs: list[tuple[str, str]]) -> Scores:
    faq = [(e, p) for e, p in pairs if e.startswith("faq_")]
    oos = [(e, p) for e, p in pairs if e == OUT_OF_SCOPE]
    wrong = sum(1 for e, p in pairs if p.startswith("faq_") and p != e)
    return Scores(
        faq_accuracy=sum(e == p for e, p in faq) / max(len(faq), 1),
        oos_rejection=sum(p in REJECTED for _, p in oos) / max(len(oos), 1),
        wrong_answer_rate=wrong / max(len(pairs), 1),
    )


def per_intent_table(predictions: list[Prediction]) -> list[str]:
    from sklearn.metrics import precision_recall_fscore_support

    expected = [label(p.expected) for p in predictions]
    predicted = [label(p.predicted) for p in predictions]
    labels = sorted(set(expected))
    precision, recall, f1, support = precision_recall_fscore_support(
        expected, predicted, labels=labels, zero_division=0
    )
    rows = ["| intent | precision | recall | F1 | support |", "| --- | --- | --- | --- | --- |"]
    for i, name in enumerate(labels):
        shown = "out_of_scope (not answered)" if name == REJECT else name
        rows.append(
            f"| {shown} | {precision[i]:.3f} | {recall[i]:.3f} | {f1[i]:.3f} | {support[i]} |"
        )
    return rows


def sweep_table(predictions: list[Prediction], ambiguity: float, shipped: float) -> list[str]:
    rows = [
        "| threshold | FAQ accuracy | out-of-scope rejection | wrong-answer rate |",
        "| --- | --- | --- | --- |",
    ]
    for threshold in SWEEP:
        s = scores([(p.expected, p.at(threshold, ambiguity)) for p in predictions])
        mark = " (shipped)" if abs(threshold - shipped) < 1e-9 else ""
        rows.append(
            f"| {threshold:.2f}{mark} | {s.faq_accuracy:.3f} | {s.oos_rejection:.3f} | "
            f"{s.wrong_answer_rate:.3f} |"
        )
    return rows


def summary(predictions: list[Prediction]) -> list[str]:
    s = scores([(p.expected, p.predicted) for p in predictions])
    return [
        f"- FAQ accuracy: **{s.faq_accuracy:.3f}** (target ≥ {MIN_FAQ_ACCURACY})",
        f"- Out-of-scope rejection: **{s.oos_rejection:.3f}** (target ≥ {MIN_OOS_REJECTION})",
        f"- Wrong-answer rate: {s.wrong_answer_rate:.3f}",
    ]


def errors(predictions: list[Prediction]) -> list[str]:
    rows = []
    for p in sorted(predictions, key=lambda p: p.expected):
        ok = p.predicted in REJECTED if p.expected == OUT_OF_SCOPE else p.predicted == p.expected
        if not ok:
            rows.append(
                f"- `{p.expected}`: {p.text!r} → `{p.predicted}` (top `{p.top}` {p.confidence:.2f})"
            )
    return rows or ["- none"]


def confusion_png(predictions: list[Prediction], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    expected = [label(p.expected) for p in predictions]
    predicted = [label(p.predicted) for p in predictions]
    labels = sorted(set(expected) | set(predicted))
    fig, ax = plt.subplots(figsize=(11, 10))
    ConfusionMatrixDisplay.from_predictions(
        expected, predicted, labels=labels, ax=ax, xticks_rotation=75, colorbar=False
    )
    ax.set_title("Held-out set: expected vs. predicted")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def cross_validate(folds: int) -> list[Prediction]:
    """Train on k-1 folds of data/nlu.yml and predict the k-th, for every fold."""
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from sklearn.model_selection import StratifiedKFold

    data = load_data(str(NLU))
    messages = data.intent_examples
    intents = [m.get("intent") for m in messages]
    predictions: list[Prediction] = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=42)
    with tempfile.TemporaryDirectory() as tmp:
        for fold, (train_idx, test_idx) in enumerate(splitter.split(messages, intents), 1):
            print(f"  fold {fold}/{folds}: training on {len(train_idx)} examples", flush=True)
            train_file = Path(tmp) / f"train_{fold}.yml"
            train_file.write_text(TrainingData([messages[i] for i in train_idx]).nlu_as_yaml())
            model = train_nlu(str(CONFIG), str(train_file), tmp, fixed_model_name=f"fold{fold}")
            agent = load_agent(Path(model))
            held = [(messages[i].get("text"), intents[i]) for i in test_idx]
            predictions += asyncio.run(predict(agent, held))
    return predictions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--folds", type=int, default=5, help="0 skips cross-validation")
    args = parser.parse_args()
    threshold, ambiguity = shipped_thresholds()

    print("Evaluating the held-out set...", flush=True)
    holdout = asyncio.run(predict(load_agent(args.model), load_examples(DEFAULT_HOLDOUT)))
    REPORTS.mkdir(exist_ok=True)
    confusion_png(holdout, REPORTS / "confusion_holdout.png")

    lines = [
        "# NLU evaluation",
        "",
        f"Model `{args.model.name}`; FallbackClassifier threshold {threshold}, "
        f"ambiguity {ambiguity}.",
        "",
        f"## Held-out set ({len(holdout)} questions, never trained on)",
        "",
        *summary(holdout),
        "",
        *per_intent_table(holdout),
        "",
        "### Threshold sweep",
        "",
        *sweep_table(holdout, ambiguity, threshold),
        "",
        "### Errors",
        "",
        *errors(holdout),
        "",
        "Confusion matrix: `reports/confusion_holdout.png`.",
    ]
    if args.folds > 1:
        print(f"Cross-validating data/nlu.yml ({args.folds} folds)...", flush=True)
        cv = cross_validate(args.folds)
        lines += [
            "",
            f"## {args.folds}-fold cross-validation over data/nlu.yml ({len(cv)} examples)",
            "",
            *summary(cv),
            "",
            *per_intent_table(cv),
            "",
            "### Threshold sweep",
            "",
            *sweep_table(cv, ambiguity, threshold),
        ]
    report = "\n".join(lines) + "\n"
    (REPORTS / "eval.md").write_text(report)
    print("\n" + report)
    print("Written to reports/eval.md and reports/confusion_holdout.png")

    held = scores([(p.expected, p.predicted) for p in holdout])
    if held.faq_accuracy < MIN_FAQ_ACCURACY or held.oos_rejection < MIN_OOS_REJECTION:
        sys.exit(1)


if __name__ == "__main__":
    main()
