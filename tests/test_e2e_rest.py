"""End to end over REST: the real Rasa and action servers on loopback ports."""

from __future__ import annotations

import json
import sqlite3
import uuid

import pytest

from scripts.evaluate import MIN_FAQ_ACCURACY
from tests import helpers


def test_the_nine_seed_questions_get_their_answers_word_for_word(bot, seed):
    for question, answer in seed:
        assert bot.texts(question) == [answer], question


def test_buttons_payloads_answer_directly(bot):
    for intent, (_question, answer) in helpers.seed_by_intent().items():
        assert bot.texts(f"/{intent}") == [answer]


def test_held_out_paraphrases_get_the_right_answer(bot, domain):
    """Every held-out FAQ paraphrase, over REST: right answers and never a wrong one."""
    answers = {answer: intent for intent, (_q, answer) in helpers.seed_by_intent().items()}
    holdout = helpers.nlu_examples(helpers.HOLDOUT_FILE)
    right, wrong, total = 0, [], 0
    for intent in helpers.faq_intents(domain):
        for text in holdout[intent]:
            total += 1
            texts = bot.texts(text)
            answered = [answers[t] for t in texts if t in answers]
            if answered == [intent] and len(texts) == 1:
                right += 1
            elif answered:
                wrong.append((text, intent, answered))
    assert wrong == []
    assert right / total >= MIN_FAQ_ACCURACY, f"{right}/{total}"


def test_multi_turn_conversation_is_answered_and_stored_in_order(bot, domain, seed):
    sender = f"multi-{uuid.uuid4().hex}"
    text = lambda name: helpers.response_text(domain, name)  # noqa: E731

    greeting = bot.say("hello there", sender)
    assert [m["text"] for m in greeting] == [text("utter_greet"), helpers.content()["menu_prompt"]]
    assert greeting[1]["buttons"] == helpers.question_buttons()
    (q1, a1), (q2, a2) = seed[2], seed[6]
    assert bot.texts(q1, sender) == [a1]
    assert bot.texts(q2, sender) == [a2]
    assert bot.texts("thanks a lot!", sender) == [text("utter_thanks")]
    assert bot.texts("bye", sender) == [text("utter_goodbye")]

    user_texts = ["hello there", q1, q2, "thanks a lot!", "bye"]
    events = bot.tracker(sender)["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == user_texts
    # ...and it is in the SQL tracker store, so a restart loses nothing.
    with sqlite3.connect(bot.db) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
            (sender,),
        ).fetchall()
    assert [json.loads(data)["text"] for (data,) in rows] == user_texts


@pytest.mark.parametrize(
    "text",
    [
        "What is the capital of Kazakhstan?",
        "recommend me a good k-pop song",
        "how do I fix my bike chain",
    ],
)
def test_out_of_scope_questions_get_the_fallback(bot, text):
    assert bot.texts(text) == helpers.fallback_texts()


def test_chit_chat(bot, domain):
    text = lambda name: helpers.response_text(domain, name)  # noqa: E731
    assert bot.texts("are you a bot?") == [text("utter_iamabot")]
    help_reply = bot.say("what can I ask?")
    assert [m["text"] for m in help_reply] == [text("utter_help"), helpers.content()["menu_prompt"]]
    assert help_reply[1]["buttons"] == helpers.question_buttons()


BAD_BODIES = {
    "empty body": b"",
    "json list": b"[]",
    "missing message": json.dumps({"sender": "bad"}),
    "message is a number": json.dumps({"sender": "bad", "message": 42}),
    "message is null": json.dumps({"sender": "bad", "message": None}),
    "empty text": json.dumps({"sender": "bad", "message": ""}),
    "blank text": json.dumps({"sender": "bad", "message": " \t\n "}),
    "emoji only": json.dumps({"sender": "bad", "message": "😀🎉🇰🇿"}),
    "cyrillic": json.dumps({"sender": "bad", "message": "Почему в Казахстане живут корейцы?"}),
    "korean": json.dumps({"sender": "bad", "message": "카자흐스탄에 왜 고려인이 있나요?"}),
    "control characters": json.dumps({"sender": "bad", "message": "\x00qwe\x01\x1b\x7frty\x07"}),
    "lone surrogate": '{"sender": "bad", "message": "\\ud800\\udfff"}',
    "unknown intent": json.dumps({"sender": "bad", "message": "/unknown_intent"}),
    "malformed intent payload": json.dumps({"sender": "bad", "message": "/greet{bad"}),
    "malformed faq payload": json.dumps({"sender": "bad", "message": '/faq_kazakhs_in_korea{"a":'}),
    "not json": b"{sender: bad",
    "sender missing": json.dumps({"message": "hello"}),
    "sender is an object": json.dumps({"sender": {"a": 1}, "message": "hello"}),
    "metadata is a list": json.dumps({"sender": "bad", "message": "hi", "metadata": [1]}),
    # Over-long messages and over-size bodies: tests/test_limits.py.
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_input_gets_a_4xx_or_the_fallback_and_the_bot_keeps_answering(bot, domain, seed, body):
    reply = bot.post_raw(body)
    if reply.status_code == 200:
        assert [m.get("text") for m in reply.json()] == helpers.fallback_texts()
    else:
        assert 400 <= reply.status_code < 500, reply.text
        assert reply.json()["error"]
    question, answer = seed[0]
    assert bot.texts(question) == [answer]


def test_control_characters_and_surrogates_are_dropped_before_nlu(bot, seed):
    question, answer = seed[4]
    body = json.dumps({"sender": "ctrl", "message": f"\x00{question}\x07\x1b"})
    body = body.replace("\\u0007", "\\ud800")  # a lone surrogate, as JSON allows
    reply = bot.post_raw(body)
    assert reply.status_code == 200
    assert [m["text"] for m in reply.json()] == [answer]
