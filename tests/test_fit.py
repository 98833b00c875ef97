"""An FAQ answer only for a question it fits: a question that names another
country or side than its nearest FAQ question, or what that question is not
about, gets the honest "not exactly that" reply with that question as a button,
in the asker's language, and is logged for `make review`; a follow-up that names
what its question is not about gets no answer either."""

from __future__ import annotations

import uuid

import pytest

from actions.checks import yes_no
from actions.unanswered import UnansweredLog
from tests import helpers

ANSWERS = set(helpers.answers_by_intent("en").values())


def near_miss(bot, text: str, language: str = "en") -> dict:
    """The one button of the honest near-miss reply to ``text``."""
    (message,) = bot.say(text)
    assert message["text"] == helpers.text("cannot_answer_exactly", language), message
    *questions, none = message["buttons"]
    assert none == {
        "title": helpers.text("none_of_these_button", language),
        "payload": "/none_of_these",
    }
    (button,) = questions
    assert button in helpers.question_buttons(language)
    return button


@pytest.mark.parametrize(
    ("text", "nearest"),
    [
        ("Which countries are North Korea's closest allies?", "faq_south_korea_allies"),
        ("what countries is north korea friends with", "faq_south_korea_friends"),
    ],
)
def test_a_question_naming_another_country_or_side_gets_the_honest_near_miss(bot, text, nearest):
    button = near_miss(bot, text)
    assert button["payload"] == f"/{nearest}"
    entries = UnansweredLog(f"sqlite:///{bot.db}", retention_days=90).entries()
    assert [e.kind for e in entries if e.text == text] == ["near_miss"]


def test_the_near_miss_is_in_the_askers_language(bot):
    button = near_miss(bot, "Кто главные союзники Северной Кореи?", "ru")
    assert button["payload"] == "/faq_south_korea_allies"


@pytest.mark.parametrize(
    "text",
    [
        "Is the Korean language similar to Kyrgyz?",
        "How many Kazakhs living in Korea can speak Korean?",
        "why are there koreans in uzbekistan",
    ],
)
def test_a_question_naming_what_its_nearest_question_is_not_about_gets_no_answer(bot, text):
    assert not set(bot.texts(text)) & set(helpers.answers_by_intent("en").values())
    for language in ("ru", "kk", "ko"):
        assert not set(bot.texts(text)) & set(helpers.answers_by_intent(language).values())


def test_a_follow_up_naming_what_its_question_is_not_about_gets_no_answer(bot):
    sender = uuid.uuid4().hex
    spoken = helpers.answers_by_intent("en")["faq_korean_spoken_in_kazakhstan"]
    assert bot.texts("Do Koreans in Kazakhstan still speak Korean?", sender)[:1] == [spoken]
    reply = bot.texts("and the kazakhs living in korea, do they speak it?", sender)
    assert not set(reply) & ANSWERS


def test_a_follow_up_reaches_a_question_the_last_answer_offered_when_it_fits(bot):
    """After "Why are there Koreans in Kazakhstan?", "and do they still speak it?" is
    Korean in Kazakhstan (offered with that answer); after Kyrgyzstan it is no question
    of this FAQ, so it gets no answer."""
    answers = helpers.answers_by_intent("en")
    sender = uuid.uuid4().hex
    first = bot.texts("Why are there Koreans in Kazakhstan?", sender)
    assert first[:1] == [answers["faq_why_koreans_in_kazakhstan"]]
    assert bot.texts("and do they still speak it?", sender)[:1] == [
        answers["faq_korean_spoken_in_kazakhstan"]
    ]
    other = uuid.uuid4().hex
    first = bot.texts("Why are there Koreans in Kyrgyzstan?", other)
    assert first[:1] == [answers["faq_why_koreans_in_kyrgyzstan"]]
    assert not set(bot.texts("and do they still speak it?", other)) & ANSWERS


def test_without_a_conversation_a_bare_follow_up_is_not_answered(bot):
    assert not set(bot.texts("and do they still speak it?")) & ANSWERS


def test_a_yes_no_check_on_the_last_answer_gets_that_answer_again(bot):
    answers = helpers.answers_by_intent("en")
    sender = uuid.uuid4().hex
    assert bot.texts("Why does Kazakhstan have Koreans?", sender)[:1] == [
        answers["faq_why_koreans_in_kazakhstan"]
    ]
    assert bot.texts("so did that happen in 1937?", sender)[:1] == [
        answers["faq_why_koreans_in_kazakhstan"]
    ]
    spoken = uuid.uuid4().hex
    assert bot.texts("Is Korean spoken in Kazakhstan?", spoken)[:1] == [
        answers["faq_korean_spoken_in_kazakhstan"]
    ]
    assert not set(bot.texts("and is Korean spoken in Kyrgyzstan too?", spoken)) & ANSWERS


@pytest.mark.parametrize(
    ("text", "shaped"),
    [
        ("so was that under Stalin?", True),
        ("Who is North Korea's enemy?", False),
        ("how many of them are there?", False),
        ("это было в 1937 году, правильно?", True),
        ("бұл 1937 жылы болды ма?", True),
        ("그게 1937년이었어요?", True),
        ("북한의 적은 누구야?", False),
    ],
)
def test_what_counts_as_a_yes_no_question(text, shaped):
    assert yes_no(text) is shaped
