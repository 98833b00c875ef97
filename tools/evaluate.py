"""Held-out NLU evaluation: FAQ accuracy, out-of-scope rejection, errors per intent.

The held-out set of each language (``holdout``: the questions' ``held_out`` lines,
and the out-of-scope lines of ``tests/nlu_holdout.yml`` for English,
``nlu_holdout_<code>.yml`` for the others) is never used for training; each
language is scored on its own against its targets. A held-out FAQ question counts
as correct only when it is classified as its own intent with a confidence
that passes the FallbackClassifier; an out-of-scope question counts as rejected
when it ends in ``out_of_scope`` or ``nlu_fallback`` (the fallback reply).

The scoring lives here once: the test suite scores the running server with it,
and ``make eval`` (tools/eval_report.py) adds per-intent figures, a threshold
sweep and k-fold cross-validation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

OUT_OF_SCOPE = "out_of_scope"
REJECTED = {OUT_OF_SCOPE, "nlu_fallback"}

# The quality targets, defined here only: `make eval` reports each language
# against them (met / missed) and exits non-zero when one is missed, `make test`
# enforces them (tests/test_nlu_holdout.py), and README, "Headline figures" quotes
# them. English, then the translations' own (issue #11): (FAQ accuracy, out-of-scope
# rejection), and no FAQ question given another question's answer.
MIN_FAQ_ACCURACY = 0.97
MIN_OOS_REJECTION = 0.95
# Issue #11: English may not drop below what the English-only model scored on its
# held-out set before the other languages came, 196/198 FAQ questions and 88/90
# out-of-scope ones (0.990 / 0.978; the bounds are those fractions rounded down).
ENGLISH_BEFORE = (0.989, 0.977)
TARGETS = {
    "en": (max(MIN_FAQ_ACCURACY, ENGLISH_BEFORE[0]), max(MIN_OOS_REJECTION, ENGLISH_BEFORE[1])),
    "ru": (0.95, 0.95),
    "kk": (0.95, 0.95),
    "ko": (0.95, 0.95),
}
# Held-out follow-ups (tests/followups_holdout.yml): none may get another
# question's answer, and at least this share must get the right one.
MIN_FOLLOW_UP_ACCURACY = 0.90


def holdout(code: str) -> list[tuple[str, str]]:
    """The held-out set of a language, as (text, intent): every question's held-out
    lines in it (content/questions/), then its out-of-scope lines
    (``bot.paths.HOLDOUT_BY_LANGUAGE``)."""
    from bot import paths
    from bot.questions import load_all, questions_folder

    questions, _ = load_all(questions_folder())
    lines = [(line.text, q.intent) for q in questions for line in q.by_language[code].held_out]
    return lines + load_examples(paths.HOLDOUT_BY_LANGUAGE[code])


def load_examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs from a Rasa NLU YAML file."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


@dataclass(frozen=True)
class Prediction:
    """One classified example: what the bot predicted and what it was choosing from."""

    text: str
    expected: str
    predicted: str  # after the FallbackClassifier
    top: str  # the classifier's first choice
    confidence: float  # of ``top``: for nlu_fallback, how far below the threshold
    margin: float  # first minus second confidence
    ranking: tuple[tuple[str, float], ...] = ()  # every intent, best first

    @classmethod
    def from_parse(cls, text: str, expected: str, parsed: dict[str, Any]) -> Prediction:
        """From Rasa's parse result (``/model/parse`` or ``Agent.parse_message``)."""
        from actions.suggest import intent_ranking

        ranking = intent_ranking(parsed)
        top, confidence = ranking[0] if ranking else ("", 0.0)
        second = ranking[1][1] if len(ranking) > 1 else 0.0
        return cls(
            text=text,
            expected=expected,
            predicted=(parsed.get("intent") or {}).get("name") or "",
            top=top,
            confidence=confidence,
            margin=confidence - second,
            ranking=tuple(ranking),
        )

    def at(self, threshold: float, ambiguity: float) -> str:
        """What the bot would predict with another fallback threshold."""
        if self.confidence < threshold or self.margin < ambiguity:
            return "nlu_fallback"
        return self.top

    @property
    def correct(self) -> bool:
        """Out of scope must be rejected; anything else must be its own intent."""
        if self.expected == OUT_OF_SCOPE:
            return self.predicted in REJECTED
        return self.predicted == self.expected


@dataclass(frozen=True)
class Scores:
    faq_total: int
    faq_accuracy: float
    oos_total: int
    oos_rejection: float
    wrong_answer_rate: float  # share of all questions answered with a wrong FAQ answer
    # FAQ questions answered with another question's answer (the target is none).
    faq_confusions: int = 0

    def meets_targets(self, language: str = "en") -> bool:
        min_faq, min_oos = TARGETS[language]
        return (
            self.faq_accuracy >= min_faq
            and self.oos_rejection >= min_oos
            and self.faq_confusions == 0
        )


def scores(pairs: list[tuple[str, str]]) -> Scores:
    """Score (expected, predicted) pairs; chit-chat counts only in the wrong-answer rate."""
    faq = [(e, p) for e, p in pairs if e.startswith("faq_")]
    oos = [(e, p) for e, p in pairs if e == OUT_OF_SCOPE]
    wrong = sum(1 for e, p in pairs if p.startswith("faq_") and p != e)
    confusions = sum(1 for e, p in faq if p.startswith("faq_") and p != e)
    return Scores(
        faq_total=len(faq),
        faq_accuracy=sum(e == p for e, p in faq) / max(len(faq), 1),
        oos_total=len(oos),
        oos_rejection=sum(p in REJECTED for _, p in oos) / max(len(oos), 1),
        wrong_answer_rate=wrong / max(len(pairs), 1),
        faq_confusions=confusions,
    )


def score(predictions: list[Prediction]) -> Scores:
    """Scores of the predictions as the bot made them (at the shipped threshold)."""
    return scores([(p.expected, p.predicted) for p in predictions])


def errors(predictions: list[Prediction]) -> list[str]:
    """One markdown line per wrong prediction, grouped by expected intent."""
    rows = [
        f"- `{p.expected}`: {p.text!r} → `{p.predicted}` (top `{p.top}` {p.confidence:.2f})"
        for p in sorted(predictions, key=lambda p: p.expected)
        if not p.correct
    ]
    return rows or ["- none"]


# --- Follow-ups (tests/followups_holdout.yml) ----------------------------------------

NO_ANSWER = "none"


@dataclass(frozen=True)
class FollowUp:
    """A held-out pair: a first question, a follow-up, and what the follow-up should get."""

    first: str
    follow_up: str
    expected: str  # an FAQ intent, or NO_ANSWER


def load_follow_ups(path: Path) -> list[FollowUp]:
    import yaml

    items = yaml.safe_load(path.read_text(encoding="utf-8"))["followups"]
    return [FollowUp(i["first"], i["follow_up"], str(i["expected"])) for i in items]


def answered_follow_up(
    content: Any, first: dict[str, Any], follow_up: dict[str, Any]
) -> str | None:
    """The FAQ intent whose answer the bot gives to ``follow_up`` after ``first``
    (parse results), or None when it answers no question: as data/rules.yml and
    the actions decide. A full question is answered as itself; a ``follow_up``,
    or an unsure message whose best guess is one, leans on the first question's
    intent; anything else gets no answer."""
    from actions.follow_up import answered_by_follow_up

    def intent(parsed: dict[str, Any]) -> str | None:
        return (parsed.get("intent") or {}).get("name")

    if content.entry(intent(follow_up)):
        return intent(follow_up)
    topic = intent(first) if content.entry(intent(first)) else None
    return answered_by_follow_up(content, topic, follow_up)


@dataclass(frozen=True)
class FollowUpScores:
    total: int
    correct: int
    wrong_answers: int  # another question's answer, where it should be none or another
    no_answer_total: int
    no_answer_honest: int  # pairs without an FAQ that got no answer

    @property
    def accuracy(self) -> float:
        return self.correct / max(self.total, 1)

    def lines(self) -> list[str]:
        return [
            f"- Follow-up accuracy: **{self.accuracy:.3f}** ({self.correct}/{self.total})",
            f"- Wrong answers: **{self.wrong_answers}**",
            f"- Pairs with no FAQ answered honestly: {self.no_answer_honest}/"
            f"{self.no_answer_total}",
        ]


def score_follow_ups(results: list[tuple[FollowUp, str | None]]) -> FollowUpScores:
    def expected(pair: FollowUp) -> str | None:
        return None if pair.expected == NO_ANSWER else pair.expected

    none_pairs = [(p, a) for p, a in results if p.expected == NO_ANSWER]
    return FollowUpScores(
        total=len(results),
        correct=sum(a == expected(p) for p, a in results),
        wrong_answers=sum(a is not None and a != expected(p) for p, a in results),
        no_answer_total=len(none_pairs),
        no_answer_honest=sum(a is None for _, a in none_pairs),
    )


def follow_up_errors(results: list[tuple[FollowUp, str | None]]) -> list[str]:
    rows = [
        f"- {p.first!r} → {p.follow_up!r}: expected `{p.expected}`, got `{a or NO_ANSWER}`"
        for p, a in results
        if a != (None if p.expected == NO_ANSWER else p.expected)
    ]
    return rows or ["- none"]
