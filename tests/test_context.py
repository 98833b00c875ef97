"""A message that points back at the conversation ("what made them stay?") is read
with the subject of the question just answered (patches/context.py), in every
language; one that points back at what no answer covers, or comes first, gets no
FAQ answer."""

from __future__ import annotations

import uuid

import pytest

from tests import helpers

ANSWERS = {
    answer
    for code in ("en", "ru", "kk", "ko")
    for answer in helpers.answers_by_intent(code).values()
}


@pytest.mark.parametrize(
    ("language", "question", "pointing_back", "meant"),
    [
        (
            "en",
            "Why are there Koreans in Kazakhstan?",
            "what made them stay there?",
            "faq_why_koreans_in_kazakhstan",
        ),
        (
            "en",
            "Why does Kazakhstan have Koreans?",
            "do they still speak korean there?",
            "faq_korean_spoken_in_kazakhstan",
        ),
        (
            "ru",
            "Почему в Казахстане живут корейцы?",
            "а почему они потом не уехали обратно?",
            "faq_why_koreans_in_kazakhstan",
        ),
        (
            "kk",
            "Қырғызстанда неге корейлер бар?",
            "олар неге кері қайтпады?",
            "faq_why_koreans_in_kyrgyzstan",
        ),
        (
            "ko",
            "카자흐스탄에는 왜 고려인이 있나요?",
            "그 사람들은 왜 계속 거기 남았어요?",
            "faq_why_koreans_in_kazakhstan",
        ),
    ],
)
def test_a_message_pointing_back_gets_the_answer_about_what_it_points_at(
    bot, language, question, pointing_back, meant
):
    answers = helpers.answers_by_intent(language)
    sender = uuid.uuid4().hex
    assert bot.texts(question, sender)[:1] != []
    assert bot.texts(pointing_back, sender)[:1] == [answers[meant]]


@pytest.mark.parametrize(
    ("language", "story_then_question", "meant"),
    [
        (
            "en",
            "I live in Almaty. Why do so many Koreans live here?",
            "faq_why_koreans_in_kazakhstan",
        ),
        (
            "ru",
            "Был в командировке в Бишкеке, там очень много корейцев. Почему они там живут?",
            "faq_why_koreans_in_kyrgyzstan",
        ),
        (
            "en",
            "I'm reading a book about Pyongyang. Who does the regime there see as its worst enemy?",
            "faq_north_korea_enemy",
        ),
    ],
)
def test_a_question_pointing_at_the_story_before_it_is_read_with_that_story(
    bot, language, story_then_question, meant
):
    assert bot.texts(story_then_question)[:1] == [helpers.answers_by_intent(language)[meant]]


@pytest.mark.parametrize(
    ("reading", "intent", "tells_apart"),
    [
        ("Seoul who does that country call its enemy?", "faq_south_korea_enemy", True),
        ("Korea who does that country call its enemy?", "faq_south_korea_enemy", False),
        ("Almaty why do so many Koreans live here?", "faq_why_koreans_in_kazakhstan", True),
        ("Korea how many Kazakhs are there?", "faq_kazakhs_in_korea", True),
    ],
)
def test_a_story_must_name_the_country_or_side_that_tells_its_question_apart(
    reading, intent, tells_apart
):
    from patches.context import names_what_tells_it_apart

    assert names_what_tells_it_apart(reading, intent, "en") is tells_apart


def test_pointing_back_at_what_no_answer_covers_gets_no_answer(bot):
    sender = uuid.uuid4().hex
    bot.texts("Why are there Koreans in Kazakhstan?", sender)
    assert not set(bot.texts("what do they usually eat there?", sender)) & ANSWERS


def test_pointing_back_with_nothing_said_before_gets_no_answer(bot):
    assert not set(bot.texts("what made them stay there?")) & ANSWERS


def test_a_message_naming_its_own_country_is_not_read_with_the_last_subject(bot):
    sender = uuid.uuid4().hex
    bot.texts("Why are there Koreans in Kazakhstan?", sender)
    # Korean in Kyrgyzstan: no answer covers it, though Kazakhstan's would "fit" the
    # words "Korean" and "speak".
    assert not set(bot.texts("do they speak Korean there in Kyrgyzstan?", sender)) & ANSWERS


def test_the_reading_is_recorded_in_the_parse_data(bot):
    sender = uuid.uuid4().hex
    bot.texts("Why are there Koreans in Kazakhstan?", sender)
    bot.texts("what made them stay there?", sender)
    events = bot.tracker(sender)["events"]
    latest = [e for e in events if e["event"] == "user"][-1]["parse_data"]
    assert latest["intent"]["name"] == "faq_why_koreans_in_kazakhstan"
    assert latest["context_subject"] == "faq_why_koreans_in_kazakhstan"
    assert latest["text"] == "what made them stay there?"


def test_the_launcher_installs_the_rereading():
    from rasa.core.processor import MessageProcessor

    import patches
    from patches import context

    patches.install()  # as the launcher does (lean/__main__.py)
    assert MessageProcessor.parse_message is context.parse_message


@pytest.mark.parametrize(
    ("text", "topic", "language", "read"),
    [
        ("what made them stay?", "faq_why_koreans_in_kazakhstan", "en", True),
        ("а почему они не уехали?", "faq_why_koreans_in_kazakhstan", "ru", True),
        ("do they speak it in Kyrgyzstan?", "faq_why_koreans_in_kazakhstan", "en", False),
        ("what made them stay?", None, "en", False),
        ("tell me a joke", "faq_why_koreans_in_kazakhstan", "en", False),
        ("I live in Almaty. Why are there Koreans here?", None, "en", True),
    ],
)
def test_which_messages_are_read_with_a_subject(text, topic, language, read):
    from patches.context import rereading

    reading = rereading(text, topic, language)
    assert (reading is not None) is read
    if read:
        assert reading.text.endswith(text.split(". ")[-1]) and reading.text != text
