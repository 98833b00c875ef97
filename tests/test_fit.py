"""An FAQ answer only for a question it fits: a question that names another
country or side than its nearest FAQ question, or what that question is not
about, gets the honest "not exactly that" reply with that question as a button,
in the asker's language, and is logged for `make review`; a follow-up that names
what its question is not about gets no answer either."""

from __future__ import annotations

import uuid

import pytest

from actions.unanswered import UnansweredLog
from bot.question_shape import yes_no
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


@pytest.mark.parametrize(
    ("text", "nearest", "language"),
    [
        ("What's the average salary of a Kazakh in Korea?", "faq_kazakhs_in_korea", "en"),
        ("Сколько зарабатывают казахи в Южной Корее?", "faq_kazakhs_in_korea", "ru"),
        ("Кореядағы қазақ студенттері қанша?", "faq_kazakhs_in_korea", "kk"),
        ("카자흐 사람 한국 비자 필요해?", "faq_kazakhs_in_korea", "ko"),
    ],
)
def test_a_question_next_to_an_answer_but_not_covered_by_it_gets_the_near_miss(
    bot, text, nearest, language
):
    button = near_miss(bot, text, language)
    assert button["payload"] == f"/{nearest}"


def test_a_story_told_before_the_question_does_not_count_against_it(bot):
    answer = helpers.answers_by_intent("en")["faq_why_koreans_in_kyrgyzstan"]
    text = "I'm an exchange student in Bishkek. Why are there so many Koreans in Kyrgyzstan?"
    assert bot.texts(text) == [answer]


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
    ("language", "question", "check"),
    [
        ("en", "Who is South Korea's enemy?", "is it North Korea?"),
        ("ru", "Кто главный враг Южной Кореи?", "Значит, это Северная Корея?"),
        ("en", "What countries is South Korea friends with?", "does that include Russia?"),
    ],
)
def test_a_check_naming_what_the_answer_names_gets_that_answer_not_the_other_sides(
    bot, language, question, check
):
    answers = helpers.answers_by_intent(language)
    sender = uuid.uuid4().hex
    first = bot.texts(question, sender)[:1]
    assert first in ([answers["faq_south_korea_enemy"]], [answers["faq_south_korea_friends"]])
    assert bot.texts(check, sender)[:1] == first


def test_a_correction_of_the_side_keeps_the_relation_just_asked_about(bot):
    answers = helpers.answers_by_intent("ru")
    sender = uuid.uuid4().hex
    assert bot.texts("Кто союзники у Южной Кореи?", sender)[:1] == [
        answers["faq_south_korea_allies"]
    ]
    # North Korea's allies, which no answer covers: the classifier's North Korea's
    # enemy would be a wrong answer.
    assert bot.texts("ой, я имела в виду Северную Корею", sender)[:1] == [
        helpers.text("follow_up_no_answer", "ru")
    ]
    english = uuid.uuid4().hex
    bot.texts("Who are South Korea's closest allies?", english)
    assert not set(bot.texts("sorry, I meant North Korea", english)) & ANSWERS
    enemy = uuid.uuid4().hex
    bot.texts("Who is South Korea's enemy?", enemy)
    assert bot.texts("and North Korea?", enemy)[:1] == [
        helpers.answers_by_intent("en")["faq_north_korea_enemy"]
    ]


def test_a_full_question_after_an_answer_about_a_relation_is_answered_as_asked(bot):
    answers = helpers.answers_by_intent("en")
    sender = uuid.uuid4().hex
    bot.texts("Who are South Korea's closest allies?", sender)
    assert bot.texts("Who is North Korea's biggest enemy?", sender)[:1] == [
        answers["faq_north_korea_enemy"]
    ]
    assert bot.texts("Why are there Koreans in Kazakhstan?", sender)[:1] == [
        answers["faq_why_koreans_in_kazakhstan"]
    ]


@pytest.mark.parametrize(
    ("language", "question", "correction", "meant"),
    [
        (
            "en",
            "why did koreans move to kazakhstan",
            "actually I meant Kyrgyzstan",
            "faq_why_koreans_in_kyrgyzstan",
        ),
        (
            "ru",
            "Откуда в Казахстане корейцы?",
            "извините, я имел в виду Кыргызстан",
            "faq_why_koreans_in_kyrgyzstan",
        ),
        ("ko", "한국 동맹은 어느 나라야?", "친한 나라는?", "faq_south_korea_friends"),
    ],
)
def test_a_correction_that_only_names_what_changes_is_answered_from_the_topic(
    bot, language, question, correction, meant
):
    sender = uuid.uuid4().hex
    assert bot.texts(question, sender)[:1] != []
    assert bot.texts(correction, sender)[:1] == [helpers.answers_by_intent(language)[meant]]


def test_a_follow_up_that_only_names_another_people_keeps_what_was_asked(bot):
    answers = helpers.answers_by_intent("ru")
    sender = uuid.uuid4().hex
    assert bot.texts("Корейцы в Казахстане ещё говорят на корейском?", sender)[:1] == [
        answers["faq_korean_spoken_in_kazakhstan"]
    ]
    # Whether Kyrgyzstan's Koreans speak Korean: no answer, not why they live there.
    assert bot.texts("а киргизские корейцы?", sender)[:1] == [
        helpers.text("follow_up_no_answer", "ru")
    ]
    english = uuid.uuid4().hex
    bot.texts("Why are there Koreans in Kazakhstan?", english)
    assert bot.texts("and Kyrgyzstan?", english)[:1] == [
        helpers.answers_by_intent("en")["faq_why_koreans_in_kyrgyzstan"]
    ]


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("Why are there Koreans in Kyrgyzstan?", "is Korean still used there?"),
        ("How many Kazakhs are there in Korea?", "and how many Koreans in Kazakhstan?"),
        (
            "Who are South Korea's allies?",
            "no, not allies, I meant the countries it is friends with",
        ),
    ],
)
def test_an_offered_question_that_does_not_fit_the_follow_up_is_not_given(bot, first, then):
    sender = uuid.uuid4().hex
    bot.texts(first, sender)
    assert not set(bot.texts(then, sender)) & ANSWERS


def test_a_korean_check_names_the_answers_words_by_their_first_syllables(bot):
    answers = helpers.answers_by_intent("ko")
    sender = uuid.uuid4().hex
    assert bot.texts("한국에 카자흐스탄 사람이 얼마나 있나요?", sender)[:1] == [
        answers["faq_kazakhs_in_korea"]
    ]
    # "불법으로 ... 일하는" meets the answer's "불법으로 일하고": the same answer again.
    assert bot.texts("그 사람들 대부분 불법으로 일하는 거 맞아요?", sender)[:1] == [
        answers["faq_kazakhs_in_korea"]
    ]


def test_a_statement_asked_back_is_a_check_on_the_answer_it_repeats(bot):
    answers = helpers.answers_by_intent("en")
    sender = uuid.uuid4().hex
    bot.texts("Why are there Koreans in Kyrgyzstan?", sender)
    # The classifier takes it for South Korea's enemy (it names South Korea).
    assert bot.texts("so South Korea never tried to bring them back?", sender)[:1] == [
        answers["faq_why_koreans_in_kyrgyzstan"]
    ]
    enemy = uuid.uuid4().hex
    bot.texts("Who does South Korea officially call its enemy?", enemy)
    check = "so was it in 1995 that they first called the North their main enemy?"
    assert bot.texts(check, enemy)[:1] == [answers["faq_south_korea_enemy"]]


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
        ("Значит, это Северная Корея?", True),
        ("а Северная Корея?", False),
        ("아 잠깐, 북한 말한 거였어요", False),
        ("북한이야?", True),
    ],
)
def test_what_counts_as_a_yes_no_question(text, shaped):
    assert yes_no(text) is shaped
