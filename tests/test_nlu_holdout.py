"""Held-out NLU evaluation against the running server (targets from the issue)."""

from __future__ import annotations

from actions.content import FaqContent
from tests import helpers
from tools.evaluate import (
    MIN_FAQ_ACCURACY,
    MIN_FOLLOW_UP_ACCURACY,
    MIN_OOS_REJECTION,
    Prediction,
    answered_follow_up,
    errors,
    follow_up_errors,
    load_examples,
    load_follow_ups,
    score,
    score_follow_ups,
)


def test_held_out_accuracy_and_out_of_scope_rejection(bot):
    predictions = [
        Prediction.from_parse(text, expected, bot.parse(text))
        for text, expected in load_examples(helpers.HOLDOUT_FILE)
    ]
    result = score(predictions)
    report = "\n".join([str(result), *errors(predictions)])
    print(report)
    assert result.faq_total >= 90 and result.oos_total >= 40
    assert result.faq_accuracy >= MIN_FAQ_ACCURACY, report
    assert result.oos_rejection >= MIN_OOS_REJECTION, report


def test_held_out_follow_ups_never_get_another_questions_answer(bot):
    """tests/followups_holdout.yml through the running server's NLU and the
    actions' own resolution (tools/evaluate.answered_follow_up)."""
    content = FaqContent.load(helpers.CONTENT_FILE)
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
