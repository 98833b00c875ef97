"""The learning curve's sampling (tools/paraphrase_curve.py), without training."""

from __future__ import annotations

from tools.paraphrase_curve import counts, parse_ks, subsample, without_faq

EXAMPLES = {
    "faq_a": {"en": [f"a{i}" for i in range(20)], "ru": [f"ра{i}" for i in range(4)]},
    "faq_b": {"en": [f"b{i}" for i in range(10)], "ru": [f"рб{i}" for i in range(12)]},
}


def test_k_examples_each_in_original_order_or_all_when_fewer():
    kept = subsample(EXAMPLES, 5, seed=1)
    assert len(kept["faq_a"]["en"]) == 5
    assert kept["faq_a"]["ru"] == EXAMPLES["faq_a"]["ru"]  # 4 < 5: all of them
    for intent, by_language in kept.items():
        for language, texts in by_language.items():
            source = EXAMPLES[intent][language]
            assert set(texts) <= set(source)
            assert texts == sorted(texts, key=source.index)


def test_same_seed_same_sample_and_smaller_k_is_a_subset():
    assert subsample(EXAMPLES, 5, seed=1) == subsample(EXAMPLES, 5, seed=1)
    assert subsample(EXAMPLES, 5, seed=1) != subsample(EXAMPLES, 5, seed=2)
    small, large = subsample(EXAMPLES, 3, seed=7), subsample(EXAMPLES, 8, seed=7)
    for intent, by_language in small.items():
        for language, texts in by_language.items():
            assert set(texts) <= set(large[intent][language])


def test_none_keeps_everything_and_counts():
    assert subsample(EXAMPLES, None, seed=1) == EXAMPLES
    assert parse_ks("3,all") == [3, None]
    assert counts(EXAMPLES)["en"] == (10, 15, 20)
    assert counts(EXAMPLES)["ko"] == (0, 0, 0)


def test_without_faq_drops_only_faq_intents(tmp_path):
    source = tmp_path / "nlu.yml"
    source.write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n'
        "- intent: faq_a\n  examples: |\n    - a\n- lookup: country\n  examples: |\n"
        "    - korea\n",
        encoding="utf-8",
    )
    target = tmp_path / "out.yml"
    without_faq(source, target)
    text = target.read_text(encoding="utf-8")
    assert "greet" in text and "country" in text and "faq_a" not in text
    no_faq = tmp_path / "concepts.yml"
    no_faq.write_text('version: "3.1"\nnlu:\n- lookup: korea\n  examples: |\n    - korea\n')
    without_faq(no_faq, target)
    assert target.read_text() == no_faq.read_text()
