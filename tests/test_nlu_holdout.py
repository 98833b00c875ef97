"""Held-out NLU evaluation against the running server (targets from the issue)."""

from __future__ import annotations

from tests import helpers
from tools.evaluate import (
    MIN_FAQ_ACCURACY,
    MIN_OOS_REJECTION,
    Prediction,
    errors,
    load_examples,
    score,
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
