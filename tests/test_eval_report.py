"""The evaluation harness's arithmetic (`make eval`), on hand-made predictions."""

from __future__ import annotations

from tools.eval_report import did_you_mean_table, shipped_thresholds, sweep_table
from tools.evaluate import Prediction, scores


def p(expected: str, top: str, confidence: float, margin: float = 0.5) -> Prediction:
    return Prediction("q", expected, top if confidence >= 0.6 else "nlu_fallback", top,
                      confidence, margin)  # fmt: skip


PREDICTIONS = [
    p("faq_a", "faq_a", 0.9),  # right at any threshold up to 0.9
    p("faq_a", "faq_a", 0.5),  # right only below 0.55
    p("faq_b", "faq_a", 0.7),  # a wrong answer up to 0.7
    p("out_of_scope", "faq_b", 0.65),  # out of scope answered up to 0.65
    p("out_of_scope", "out_of_scope", 0.99),
    p("greet", "greet", 0.9),  # chit-chat counts in neither rate's denominator but all
]


def test_threshold_changes_the_outcome():
    assert PREDICTIONS[1].at(0.45, 0.1) == "faq_a"
    assert PREDICTIONS[1].at(0.55, 0.1) == "nlu_fallback"
    assert p("faq_a", "faq_a", 0.9, margin=0.05).at(0.3, 0.1) == "nlu_fallback"


def test_scores_at_two_thresholds():
    low = scores([(x.expected, x.at(0.3, 0.1)) for x in PREDICTIONS])
    assert (low.faq_accuracy, low.oos_rejection) == (2 / 3, 1 / 2)
    assert low.wrong_answer_rate == 2 / 6
    high = scores([(x.expected, x.at(0.75, 0.1)) for x in PREDICTIONS])
    assert (high.faq_accuracy, high.oos_rejection, high.wrong_answer_rate) == (1 / 3, 1.0, 0.0)


def test_sweep_covers_030_to_095_and_marks_the_shipped_threshold():
    threshold, ambiguity = shipped_thresholds()
    rows = sweep_table(PREDICTIONS, ambiguity, threshold)[2:]
    assert [row.split(" |")[0].lstrip("| ")[:4] for row in rows] == [
        f"{0.30 + 0.05 * i:.2f}" for i in range(14)
    ]
    assert sum("(shipped)" in row for row in rows) == 1


def test_did_you_mean_table_counts_offers_per_band():
    def unsure(expected: str, ranking: list[tuple[str, float]]) -> Prediction:
        top, confidence = ranking[0]
        return Prediction("q", expected, "nlu_fallback", top, confidence, 0.0, tuple(ranking))

    predictions = [
        unsure("faq_a", [("faq_a", 0.5), ("faq_b", 0.3)]),  # offered from band 0.50 down
        unsure("faq_b", [("faq_a", 0.35), ("faq_b", 0.3)]),  # the runner-up, up to 0.35
        p("faq_a", "faq_a", 0.9),  # answered
        unsure("out_of_scope", [("out_of_scope", 0.5), ("faq_a", 0.25)]),  # offered at <= 0.25
    ]
    table = did_you_mean_table(predictions, 0.3)
    rows = {row.split(" |")[0].lstrip("| ")[:4]: row for row in table}
    assert "| 2/2 | 1.000 | 1/1 (1.000) |" in rows["0.25"]
    assert "| 2/2 | 1.000 | 0/1 (0.000) |" in rows["0.30"] and "(shipped)" in rows["0.30"]
    assert "| 1/2 | 0.667 | 0/1 (0.000) |" in rows["0.40"]
    assert "| 0/2 | 0.333 | 0/1 (0.000) |" in rows["0.55"]
