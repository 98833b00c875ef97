"""`make eval`: the NLU evaluation harness.

On the held-out set of each language (``tools.evaluate.holdout``, never trained
on) and with k-fold cross-validation over the training data of every language
(``data/nlu*.yml``) it prints, per language, FAQ accuracy, out-of-scope
rejection, wrong answers, per-intent precision, recall and F1, the errors, a
sweep of the fallback threshold, and how well the message's language is
identified (bot/language_id.py). It writes ``reports/eval.md`` and a confusion
matrix (``reports/confusion_holdout.png``). Reports each language against its
targets, and exits non-zero when any language misses them (tools/evaluate.py:
TARGETS).

Usage: python -m tools.eval_report [--folds K] [--model PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from pathlib import Path

from actions.settings import SETTINGS
from actions.suggest import candidates
from bot import paths
from bot.content import Content
from bot.language_id import OTHER, identify
from bot.languages import LANGUAGES
from bot.paths import CONFIG, REPORTS
from bot.paths import MODEL as DEFAULT_MODEL
from tools.evaluate import (
    REJECTED,
    TARGETS,
    FollowUp,
    Prediction,
    answered_follow_up,
    errors,
    follow_up_errors,
    holdout,
    load_follow_ups,
    score,
    score_follow_ups,
    scores,
)

SWEEP = [round(0.30 + 0.05 * i, 2) for i in range(14)]  # 0.30 .. 0.95
REJECT = "(not answered)"
BANDS = [round(0.20 + 0.05 * i, 2) for i in range(8)]  # 0.20 .. 0.55


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


async def follow_up_results(agent, pairs: list[FollowUp]) -> list[tuple[FollowUp, str | None]]:  # noqa: ANN001
    content = Content.load(paths.CONTENT).language("en")
    return [
        (
            pair,
            answered_follow_up(
                content,
                await agent.parse_message(pair.first),
                await agent.parse_message(pair.follow_up),
            ),
        )
        for pair in pairs
    ]


async def predict(agent, examples: list[tuple[str, str]]) -> list[Prediction]:  # noqa: ANN001
    return [
        Prediction.from_parse(text, expected, await agent.parse_message(text))
        for text, expected in examples
    ]


def label(intent: str) -> str:
    """Both ways of not answering count as the out-of-scope outcome."""
    return REJECT if intent in REJECTED else intent


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


def did_you_mean_table(predictions: list[Prediction], shipped_band: float) -> list[str]:
    """What each lower band of "did you mean" would offer for the unanswered questions.

    Only questions that end in nlu_fallback get candidates. For FAQ questions it
    counts how often the right question is among them (one click from its
    answer); for out-of-scope ones, how often candidates are offered at all
    (harmless, "None of these" is there, but noise).
    """
    faq = [p for p in predictions if p.expected.startswith("faq_")]
    unsure_faq = [p for p in faq if p.predicted == "nlu_fallback"]
    oos = [p for p in predictions if p.expected == "out_of_scope"]
    rows = [
        f"Unanswered FAQ questions: {len(unsure_faq)} of {len(faq)}.",
        "",
        "| lower band | right question offered | FAQ reached (answer or one click) "
        "| out-of-scope offered candidates |",
        "| --- | --- | --- | --- |",
    ]
    for band in BANDS:
        offered = sum(p.expected in candidates(list(p.ranking), band) for p in unsure_faq)
        answered = sum(p.predicted == p.expected for p in faq)
        noisy = sum(
            bool(candidates(list(p.ranking), band)) for p in oos if p.predicted == "nlu_fallback"
        )
        mark = " (shipped)" if abs(band - shipped_band) < 1e-9 else ""
        rows.append(
            f"| {band:.2f}{mark} | {offered}/{len(unsure_faq)} "
            f"| {(answered + offered) / max(len(faq), 1):.3f} "
            f"| {noisy}/{len(oos)} ({noisy / max(len(oos), 1):.3f}) |"
        )
    return rows


def sections(
    predictions: list[Prediction],
    threshold: float,
    ambiguity: float,
    band: float,
    language: str | None = None,
) -> list[str]:
    """Summary, per-intent table, threshold sweep and "did you mean" band sweep."""
    return [
        *summary(predictions, language),
        "",
        *per_intent_table(predictions),
        "",
        "### Threshold sweep",
        "",
        *sweep_table(predictions, ambiguity, threshold),
        "",
        f'### "Did you mean" lower band (shipped {band})',
        "",
        *did_you_mean_table(predictions, band),
    ]


def summary(predictions: list[Prediction], language: str | None = None) -> list[str]:
    """The headline figures, with the language's targets (cross-validation mixes the
    languages and has none)."""
    s = score(predictions)
    faq, oos = (f" (target ≥ {t})" for t in TARGETS[language]) if language else ("", "")
    return [
        f"- FAQ accuracy: **{s.faq_accuracy:.3f}**{faq}",
        f"- Out-of-scope rejection: **{s.oos_rejection:.3f}**{oos}",
        f"- Wrong-answer rate: {s.wrong_answer_rate:.3f}; FAQ questions given another "
        f"question's answer: {s.faq_confusions} (target 0)",
    ]


def languages_table(holdouts: dict[str, list[Prediction]]) -> list[str]:
    """The four languages side by side, at the shipped threshold."""
    rows = [
        "| language | FAQ accuracy | out-of-scope rejection | wrong answers "
        "| FAQ → another answer | questions | targets |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for language, predictions in holdouts.items():
        s = score(predictions)
        met = "met" if s.meets_targets(language) else "**missed**"
        min_faq, min_oos = TARGETS[language]
        rows.append(
            f"| {language} | {s.faq_accuracy:.3f} | {s.oos_rejection:.3f} "
            f"| {s.wrong_answer_rate:.3f} | {s.faq_confusions} | {len(predictions)} "
            f"| ≥ {min_faq} / ≥ {min_oos}: {met} |"
        )
    return rows


def language_id_table(holdouts: dict[str, list[Prediction]]) -> list[str]:
    """How bot/language_id.py identifies each held-out question's language: right
    and clear (the reply switches to it), unclear (the conversation's language
    stays), or wrong (another language, or "unsupported")."""
    rows = [
        "| language | identified, clear | unclear (stays) | wrong language | unsupported |",
        "| --- | --- | --- | --- | --- |",
    ]
    for language, predictions in holdouts.items():
        found = [identify(p.text) for p in predictions]
        n = max(len(found), 1)
        right = sum(f.language == language and f.clear for f in found)
        unclear = sum(not f.clear for f in found)
        other = sum(f.clear and f.language == OTHER for f in found)
        wrong = sum(f.clear and f.language not in (language, OTHER) for f in found)
        rows.append(
            f"| {language} | {right / n:.3f} | {unclear / n:.3f} | {wrong / n:.3f} "
            f"| {other / n:.3f} |"
        )
    return rows


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
    """Train on k-1 folds of the training data (data/*.yml and the questions'
    paraphrases) and predict the k-th, for every fold."""
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from rasa.shared.utils.io import write_yaml
    from sklearn.model_selection import StratifiedKFold

    from bot.importer import all_training_data, standalone_config

    data = all_training_data()
    messages = data.intent_examples
    intents = [m.get("intent") for m in messages]
    # One table per name: the YAML writer keeps only one of several with a name
    # (data/concepts*.yml split each concept over languages and kinds of words).
    lookup: dict[str, list] = {}
    for table in data.lookup_tables:
        lookup.setdefault(table["name"], []).extend(table["elements"])
    tables = [{"name": name, "elements": elements} for name, elements in lookup.items()]
    predictions: list[Prediction] = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=42)
    with tempfile.TemporaryDirectory() as tmp:
        # The importer would add every paraphrase back: each fold trains without it.
        config = Path(tmp) / "config.yml"
        write_yaml(standalone_config(), config)
        for fold, (train_idx, test_idx) in enumerate(splitter.split(messages, intents), 1):
            print(f"  fold {fold}/{folds}: training on {len(train_idx)} examples", flush=True)
            train_file = Path(tmp) / f"train_{fold}.yml"
            fold_data = TrainingData(
                [messages[i] for i in train_idx],
                entity_synonyms=data.entity_synonyms,
                lookup_tables=tables,
            )
            train_file.write_text(fold_data.nlu_as_yaml())
            model = train_nlu(str(config), str(train_file), tmp, fixed_model_name=f"fold{fold}")
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
    band = SETTINGS.suggest_min_confidence

    print("Evaluating the held-out sets...", flush=True)
    agent = load_agent(args.model)
    holdouts = {language: asyncio.run(predict(agent, holdout(language))) for language in LANGUAGES}
    english = holdouts["en"]
    follow_ups = asyncio.run(follow_up_results(agent, load_follow_ups(paths.FOLLOWUPS_HOLDOUT)))
    follow_up_scores = score_follow_ups(follow_ups)
    REPORTS.mkdir(exist_ok=True)
    confusion_png(english, REPORTS / "confusion_holdout.png")

    lines = [
        "# NLU evaluation",
        "",
        f"Model `{args.model.name}`; FallbackClassifier threshold {threshold}, "
        f"ambiguity {ambiguity}.",
        "",
        "## Held-out sets, per language (never trained on)",
        "",
        *languages_table(holdouts),
        "",
        "### The message's language (bot/language_id.py)",
        "",
        *language_id_table(holdouts),
        "",
        "Confusion matrix (English): `reports/confusion_holdout.png`.",
        "",
        f"## Follow-ups ({len(follow_ups)} held-out pairs, never trained on)",
        "",
        *follow_up_scores.lines(),
        "",
        "### Errors",
        "",
        *follow_up_errors(follow_ups),
    ]
    for language, predictions in holdouts.items():
        lines += [
            "",
            f"## Held-out set: {language} ({len(predictions)} questions)",
            "",
            *sections(predictions, threshold, ambiguity, band, language),
            "",
            "### Errors",
            "",
            *errors(predictions),
        ]
    if args.folds > 1:
        print(f"Cross-validating data/nlu.yml ({args.folds} folds)...", flush=True)
        cv = cross_validate(args.folds)
        lines += [
            "",
            f"## {args.folds}-fold cross-validation over data/nlu*.yml ({len(cv)} examples)",
            "",
            *sections(cv, threshold, ambiguity, band),
        ]
    report = "\n".join(lines) + "\n"
    (REPORTS / "eval.md").write_text(report)
    print("\n" + report)
    print("Written to reports/eval.md and reports/confusion_holdout.png")

    if not all(score(p).meets_targets(language) for language, p in holdouts.items()):
        sys.exit(1)


if __name__ == "__main__":
    main()
