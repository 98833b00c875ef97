"""Held-out NLU evaluation against the running server (targets from the issue)."""

from __future__ import annotations

from scripts.evaluate import (
    MIN_FAQ_ACCURACY,
    MIN_OOS_REJECTION,
    evaluate,
    load_examples,
    prediction,
)
from tests import helpers


async def test_held_out_accuracy_and_out_of_scope_rejection(bot):
    async def parse(text: str) -> tuple[str, float]:
        return prediction(bot.parse(text))

    report = await evaluate(parse, load_examples(helpers.HOLDOUT_FILE))
    print(report.format())
    assert report.faq_total >= 90 and report.oos_total >= 40
    assert report.faq_accuracy >= MIN_FAQ_ACCURACY, report.format()
    assert report.oos_rejection >= MIN_OOS_REJECTION, report.format()
