"""Held-out NLU evaluation against the running server (targets from the issue)."""

from __future__ import annotations

import pytest

from bot.content import Content
from bot.languages import LANGUAGES
from tests import helpers
from tools.evaluate import (
    MIN_FOLLOW_UP_ACCURACY,
    TARGETS,
    Prediction,
    answered_follow_up,
    errors,
    follow_up_errors,
    holdout,
    load_follow_ups,
    score,
    score_follow_ups,
)


@pytest.mark.parametrize("language", LANGUAGES)
def test_held_out_accuracy_and_out_of_scope_rejection(bot, language):
    """Each language's held-out set against its targets (tools/evaluate.py): FAQ
    accuracy, out-of-scope rejection, and no FAQ question given another's answer."""
    predictions = [
        Prediction.from_parse(text, expected, bot.parse(text))
        for text, expected in holdout(language)
    ]
    result = score(predictions)
    report = "\n".join([str(result), *errors(predictions)])
    print(report)
    min_faq, min_oos = TARGETS[language]
    assert result.faq_total >= 90 and result.oos_total >= 30
    assert result.faq_accuracy >= min_faq, report
    assert result.oos_rejection >= min_oos, report
    assert result.faq_confusions == 0, report


def test_held_out_follow_ups_never_get_another_questions_answer(bot):
    """tests/followups_holdout.yml through the running server's NLU and the
    actions' own resolution (tools/evaluate.answered_follow_up)."""
    content = Content.load(helpers.CONTENT_DIR).language("en")
    results = [
        (pair, answered_follow_up(content, bot.parse(pair.first), bot.parse(pair.follow_up)))
        for pair in load_follow_ups(helpers.FOLLOWUPS_FILE)
    ]
    result = score_follow_ups(results)
    report = "\n".join([*result.lines(), *follow_up_errors(results)])
    print(report)
    assert result.wrong_answers == 0, report
    assert result.no_answer_honest == result.no_answer_total, report
    assert result.accuracy >= MIN_FOLLOW_UP_ACCURACY, report
