"""The made-up FAQ of `make bench`'s "cost as the FAQ grows" (tools/bench_scale.py),
without training: the files are questions the bot reads like its own."""

from __future__ import annotations

import re

from bot import languages
from bot.content import Content
from bot.questions import load_all
from tools.bench_scale import HELD_OUT, PARAPHRASES, write_content


def test_twelve_questions_read_like_the_bots_own(tmp_path):
    folder = write_content(tmp_path / "content", 12)
    questions, problems = load_all(folder / "questions")
    assert problems == []
    assert len(questions) == 12
    assert len({q.facets for q in questions}) == 12
    assert [q.order for q in questions] == list(range(1, 13))
    for q in questions:
        assert (q.requires, q.related) == ((), ())
        for code in languages.LANGUAGES:
            localized = q.by_language[code]
            paraphrases = [line.text for line in localized.paraphrases]
            held_out = [line.text for line in localized.held_out]
            assert len(paraphrases) >= 20 and len(set(paraphrases)) == len(paraphrases)
            assert len(held_out) == HELD_OUT
            assert not set(held_out) & set(paraphrases)
    # Each question is about a place of its own: no line is another question's.
    for code in languages.LANGUAGES:
        lines = [line.text for q in questions for line in q.by_language[code].paraphrases]
        assert len(set(lines)) == len(lines)
        # ...spelt in the language's script (a Latin name in a Korean line would be
        # a word the classifier shares with English).
        latin = [line for line in lines if re.search("[A-Za-z]", line)]
        assert latin == (lines if code == "en" else [])
        if code == "ko":
            assert all(re.search("[\uac00-\ud7a3]", line) for line in lines)
    # The action server's reading: every question, with an answer of its own.
    content = Content.load(folder)
    for code in languages.LANGUAGES:
        entries = content.language(code).entries
        assert len({e.answer for e in entries}) == len({e.question for e in entries}) == 12


def test_two_hundred_questions(tmp_path):
    folder = write_content(tmp_path / "content", 200)
    questions, problems = load_all(folder / "questions")
    assert (len(list((folder / "questions").glob("*.yml"))), len(questions)) == (200, 200)
    assert problems == []
    assert len({q.facets for q in questions}) == 200
    assert min(len(x.paraphrases) for q in questions for x in q.by_language.values()) == (
        PARAPHRASES
    )
