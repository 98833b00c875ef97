"""The custom actions, in process (Tracker + CollectingDispatcher) and over HTTP."""

from __future__ import annotations

import dataclasses
import os
import shutil
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import settings, unanswered
from actions.fallback import ActionFaqFallback
from actions.faq import ActionAnswerFaq
from actions.follow_up import ActionFollowUp
from actions.forget import ActionForgetMe
from actions.none_of_these import ActionNoneOfThese
from actions.settings import Settings
from actions.small_talk import ActionMessageTooLong, ActionSmallTalk
from actions.suggest import candidates
from actions.unanswered import UnansweredLog, utcnow
from bot.content import ContentStore
from tests import helpers

FAQ_INTENTS = helpers.faq_intents()


def parse_data(intent: str | None, text: str, ranking: list[tuple[str, float]]) -> dict:
    top = ranking[0][1] if ranking else 0.99
    return {
        "intent": {"name": intent, "confidence": 0.6 if intent == "nlu_fallback" else top},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        "entities": [],
        "text": text,
    }


def tracker_for(
    intent: str | None,
    text: str = "some question",
    ranking: list[tuple[str, float]] | None = None,
    earlier: list[dict] | None = None,
    topic: str | None = None,
    entities: list[tuple[str, str]] = (),
    language: str | None = "en",
    metadata: dict | None = None,
) -> Tracker:
    """A tracker whose latest user message is ``text``, classified as ``intent``
    and naming ``entities``, in a conversation about ``topic`` (the faq_topic slot)
    in ``language`` (the language slot)."""
    latest = parse_data(intent, text, ranking if ranking is not None else [(intent, 0.99)])
    latest["entities"] = [{"entity": name, "value": value} for name, value in entities]
    latest["metadata"] = metadata or {}
    user = {"event": "user", "text": text, "parse_data": latest, "input_channel": "rest"}
    events = [*(earlier or []), user]
    slots = {"faq_topic": topic, "language": language}
    return Tracker("tester", slots, latest, events, False, None, {}, "action_listen")


@pytest.fixture(autouse=True)
def log(tmp_path, monkeypatch) -> UnansweredLog:
    """In-process actions log to a throw-away database."""
    fresh = UnansweredLog(f"sqlite:///{tmp_path / 'log.db'}", retention_days=90)
    monkeypatch.setattr(unanswered, "_log", fresh)
    return fresh


def configure(monkeypatch, **changes) -> None:
    monkeypatch.setattr(settings, "SETTINGS", dataclasses.replace(settings.SETTINGS, **changes))


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [message["text"] for message in dispatcher.messages]


@pytest.mark.parametrize("intent", FAQ_INTENTS)
async def test_answer_action_sends_the_seed_answer_with_follow_ups(intent, domain, log):
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerFaq().run(dispatcher, tracker_for(intent), domain)
    _question, answer = helpers.seed_by_intent()[intent]
    assert texts(dispatcher) == [answer]
    related = helpers.related_by_intent()[intent]
    questions = helpers.questions_by_intent()
    assert dispatcher.messages[0]["buttons"] == [
        {"title": questions[r], "payload": f"/{r}"} for r in related
    ]
    assert 1 <= len(related) <= 2 and intent not in related
    # The answered question becomes the conversation's topic, for follow-ups.
    assert events == [{"event": "slot", "timestamp": None, "name": "faq_topic", "value": intent}]
    assert log.entries() == []  # a confident answer is not logged


def test_the_related_map_pairs_the_questions_the_issue_names():
    related = helpers.related_by_intent()
    for a, b in [
        ("faq_why_koreans_in_kazakhstan", "faq_why_koreans_in_kyrgyzstan"),
        ("faq_south_korea_friends", "faq_south_korea_allies"),
        ("faq_south_korea_enemy", "faq_north_korea_enemy"),
        ("faq_korean_spoken_in_kazakhstan", "faq_korean_similar_to_kazakh"),
    ]:
        assert b in related[a] and a in related[b]


async def test_follow_ups_can_be_switched_off(domain, monkeypatch):
    monkeypatch.setenv("FAQ_FOLLOW_UPS", "false")
    configure(monkeypatch, follow_ups=Settings.from_env().follow_ups)
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(dispatcher, tracker_for("faq_south_korea_enemy"), domain)
    assert texts(dispatcher) == [helpers.answers_by_intent()["faq_south_korea_enemy"]]
    assert dispatcher.messages[0]["buttons"] == []


def test_settings_reject_a_misspelt_switch(monkeypatch):
    monkeypatch.setenv("FAQ_FOLLOW_UPS", "nein")
    with pytest.raises(ValueError, match="FAQ_FOLLOW_UPS"):
        Settings.from_env()


async def test_a_low_confidence_answer_is_answered_and_logged(domain, log):
    dispatcher = CollectingDispatcher()
    ranking = [("faq_south_korea_friends", 0.64), ("faq_south_korea_enemy", 0.35)]
    tracker = tracker_for("faq_south_korea_friends", "friends and enemies of sk", ranking)
    await ActionAnswerFaq().run(dispatcher, tracker, domain)
    assert texts(dispatcher) == [helpers.answers_by_intent()["faq_south_korea_friends"]]
    (entry,) = log.entries()
    assert (entry.kind, entry.text, entry.channel) == (
        "low_confidence",
        "friends and enemies of sk",
        "rest",
    )
    assert entry.top_intents == tuple(ranking)


@pytest.mark.parametrize("intent", ["greet", "out_of_scope", "nlu_fallback", "faq_unknown", None])
async def test_answer_action_falls_back_without_an_answer(intent, domain):
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(dispatcher, tracker_for(intent), domain)
    assert texts(dispatcher) == helpers.fallback_texts()


async def test_fallback_action_apologises_and_offers_the_nine_questions(domain, seed, log):
    dispatcher = CollectingDispatcher()
    ranking = [("out_of_scope", 0.9), ("faq_kazakhs_in_korea", 0.05)]
    tracker = tracker_for("out_of_scope", "what is the weather", ranking)
    await ActionFaqFallback().run(dispatcher, tracker, domain)
    apology, menu = dispatcher.messages
    assert apology["text"].startswith("Sorry, I can't answer that.")
    assert menu["text"] == helpers.text("menu_prompt")
    assert [b["title"] for b in menu["buttons"]] == [question for question, _ in seed]
    assert [b["payload"] for b in menu["buttons"]] == [f"/{i}" for i in helpers.seed_by_intent()]
    (entry,) = log.entries()
    assert (entry.kind, entry.text, entry.top_intents) == (
        "fallback",
        "what is the weather",
        tuple(ranking),
    )


def candidate_buttons(intents: list[str]) -> list[dict[str, str]]:
    questions = helpers.questions_by_intent()
    none = {"title": helpers.text("none_of_these_button"), "payload": "/none_of_these"}
    return [*({"title": questions[i], "payload": f"/{i}"} for i in intents), none]


@pytest.mark.parametrize(
    ("ranking", "offered"),
    [
        # Below the answer threshold: every FAQ intent over the band, at most three.
        (
            [("faq_south_korea_friends", 0.45), ("faq_south_korea_allies", 0.31),
             ("faq_south_korea_enemy", 0.3), ("faq_north_korea_enemy", 0.3)],
            ["faq_south_korea_friends", "faq_south_korea_allies", "faq_south_korea_enemy"],
        ),
        # One FAQ intent over the band: the runner-up too, so there is a choice.
        (
            [("faq_north_korea_enemy", 0.53), ("out_of_scope", 0.36),
             ("faq_south_korea_enemy", 0.03)],
            ["faq_north_korea_enemy", "faq_south_korea_enemy"],
        ),
        # Ambiguous: the top two are within the margin although the first passes 0.6.
        (
            [("faq_korean_spoken_in_kazakhstan", 0.62), ("faq_korean_similar_to_kazakh", 0.55)],
            ["faq_korean_spoken_in_kazakhstan", "faq_korean_similar_to_kazakh"],
        ),
    ],
)  # fmt: skip
async def test_unsure_nlu_gets_did_you_mean_with_candidates(domain, log, ranking, offered):
    dispatcher = CollectingDispatcher()
    tracker = tracker_for("nlu_fallback", "an unsure question", ranking)
    await ActionFaqFallback().run(dispatcher, tracker, domain)
    (message,) = dispatcher.messages
    assert message["text"] == helpers.text("did_you_mean_prompt")
    assert message["buttons"] == candidate_buttons(offered)
    (entry,) = log.entries()
    assert (entry.kind, entry.text) == ("did_you_mean", "an unsure question")


async def test_too_unsure_nlu_gets_the_plain_fallback(domain, log):
    dispatcher = CollectingDispatcher()
    ranking = [("out_of_scope", 0.5), ("faq_kazakhs_in_korea", 0.29), ("greet", 0.2)]
    await ActionFaqFallback().run(dispatcher, tracker_for("nlu_fallback", "hm", ranking), domain)
    assert texts(dispatcher) == helpers.fallback_texts()
    assert [e.kind for e in log.entries()] == ["fallback"]


def test_candidates_follow_the_configured_band():
    ranking = [("greet", 0.5), ("faq_a", 0.35), ("faq_b", 0.2), ("faq_c", 0.1)]
    assert candidates(ranking, 0.3) == ["faq_a", "faq_b"]
    assert candidates(ranking, 0.4) == []
    assert candidates([("faq_a", 0.5)], 0.3) == ["faq_a"]


async def test_none_of_these_apologises_and_logs_the_question(domain, log):
    ranking = [("faq_north_korea_enemy", 0.53), ("out_of_scope", 0.36)]
    question = parse_data("nlu_fallback", "which state does the dprk regard as a foe", ranking)
    earlier = [{"event": "user", "text": question["text"], "parse_data": question}]
    dispatcher = CollectingDispatcher()
    tracker = tracker_for("none_of_these", "/none_of_these", earlier=earlier)
    await ActionNoneOfThese().run(dispatcher, tracker, domain)
    assert texts(dispatcher) == [helpers.text("none_of_these_reply")]
    (entry,) = log.entries()
    assert (entry.kind, entry.text, entry.channel) == (
        "none_of_these",
        "which state does the dprk regard as a foe",
        "rest",
    )
    assert entry.top_intents == tuple(ranking)


async def test_none_of_these_without_a_did_you_mean_only_apologises(domain, log):
    dispatcher = CollectingDispatcher()
    await ActionNoneOfThese().run(dispatcher, tracker_for("none_of_these", "neither"), domain)
    assert texts(dispatcher) == [helpers.text("none_of_these_reply")]
    assert log.entries() == []


def test_the_log_keeps_only_text_channel_time_intents_and_id_hash_and_forgets_old_rows(tmp_path):
    log = UnansweredLog(f"sqlite:///{tmp_path / 'log.db'}", retention_days=30)
    old = unanswered.UnansweredQuestion(
        "fallback", "an old question", "telegram", (("faq_a", 0.2),)
    )
    log.record(old, now=utcnow() - timedelta(days=31))
    assert [e.text for e in log.entries()] == ["an old question"]
    log.record(dataclasses.replace(old, text="a new question"))
    assert [e.text for e in log.entries()] == ["a new question"]
    assert [c.name for c in unanswered.table.columns] == [
        "id", "created_at", "kind", "channel", "text", "top_intents", "conversation",
    ]  # fmt: skip


async def test_a_broken_log_never_loses_the_reply(domain, monkeypatch, tmp_path):
    (tmp_path / "dir.db").mkdir()  # SQLite cannot open a directory
    monkeypatch.setattr(unanswered, "_log", UnansweredLog(f"sqlite:///{tmp_path}/dir.db", 1))
    dispatcher = CollectingDispatcher()
    await ActionFaqFallback().run(dispatcher, tracker_for("out_of_scope"), domain)
    assert texts(dispatcher) == helpers.fallback_texts()


async def test_greeting_offers_every_faq_intent_as_a_button(domain):
    dispatcher = CollectingDispatcher()
    await ActionSmallTalk().run(dispatcher, tracker_for("greet", "hello there"), domain)
    greeting, menu = dispatcher.messages
    assert [greeting["text"], menu["text"]] == [helpers.text("greet"), helpers.text("menu_prompt")]
    assert menu["buttons"] == helpers.question_buttons()
    assert sorted(b["payload"] for b in menu["buttons"]) == sorted(f"/{i}" for i in FAQ_INTENTS)


@pytest.mark.parametrize(
    ("intent", "text", "expected"),
    [
        ("help", "what can you do", ["help", "menu_prompt"]),
        ("thanks", "thank you so much", ["thanks"]),
        ("goodbye", "see you later", ["goodbye"]),
        ("bot_challenge", "are you a robot", ["iamabot"]),
    ],
)
async def test_small_talk_replies(domain, intent, text, expected):
    dispatcher = CollectingDispatcher()
    await ActionSmallTalk().run(dispatcher, tracker_for(intent, text), domain)
    assert texts(dispatcher) == [helpers.text(name) for name in expected]


async def test_the_help_menu_ends_with_forget_me_in_the_conversations_language(domain):
    dispatcher = CollectingDispatcher()
    await ActionSmallTalk().run(dispatcher, tracker_for("help", "도움말", language="ko"), domain)
    assert dispatcher.messages[1]["buttons"] == helpers.help_buttons("ko")
    assert dispatcher.messages[1]["buttons"][-1]["payload"] == "/forget_me"


async def test_forget_me_deletes_only_the_askers_logged_questions_and_confirms(domain, log):
    def logged_in(sender: str, text: str) -> None:
        entry = unanswered.UnansweredQuestion(
            "fallback", text, "rest", (("faq_a", 0.2),), sender_id=sender
        )
        log.record(entry)

    logged_in("rest:me", "my question")
    logged_in("rest:someone-else", "their question")
    tracker = tracker_for("forget_me", "забудь меня", language="ru")
    tracker.sender_id = "rest:me"
    dispatcher = CollectingDispatcher()
    await ActionForgetMe().run(dispatcher, tracker, domain)
    assert texts(dispatcher) == [helpers.text("forgotten", "ru")]
    assert [e.text for e in log.entries()] == ["their question"]


async def test_too_long_quotes_the_limit_in_the_conversations_language(domain):
    dispatcher = CollectingDispatcher()
    tracker = tracker_for("nlu_fallback", "/nlu_fallback", language="kk")
    tracker.slots["max_chars"] = "1,000"
    await ActionMessageTooLong().run(dispatcher, tracker, domain)
    assert texts(dispatcher) == [helpers.too_long_text("kk")]


# --- Languages (actions/language.py) -------------------------------------------------

SEED_IN = {
    "ru": "Почему в Казахстане так много корейцев?",
    "kk": "Қазақстанда корейлер неге көп тұрады?",
    "ko": "왜 카자흐스탄에 한국계 주민이 많나요?",
    "en": "why do so many koreans live in kazakhstan",
}


def slot_events(events: list[dict], name: str) -> list:
    return [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name]


@pytest.mark.parametrize("language", ["ru", "kk", "ko"])
async def test_a_question_is_answered_in_its_language_and_the_language_remembered(domain, language):
    intent = "faq_why_koreans_in_kazakhstan"
    dispatcher = CollectingDispatcher()
    tracker = tracker_for(intent, SEED_IN[language], language=None)
    events = await ActionAnswerFaq().run(dispatcher, tracker, domain)
    assert texts(dispatcher) == [helpers.answers_by_intent(language)[intent]]
    titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    questions = helpers.questions_by_intent(language)
    assert titles == [questions[r] for r in helpers.related_by_intent()[intent]]
    assert slot_events(events, "language") == [language]


async def test_buttons_and_one_word_replies_stay_in_the_conversations_language(domain):
    for text, intent in [("/faq_kazakhs_in_korea", "faq_kazakhs_in_korea"), ("ok", "thanks")]:
        dispatcher = CollectingDispatcher()
        events = (
            await ActionAnswerFaq().run(
                dispatcher, tracker_for(intent, text, language="ko"), domain
            )
            if intent.startswith("faq_")
            else await ActionSmallTalk().run(
                dispatcher, tracker_for(intent, text, language="ko"), domain
            )
        )
        assert slot_events(events, "language") == []
        expected = (
            helpers.answers_by_intent("ko")[intent]
            if intent.startswith("faq_")
            else helpers.text("thanks", "ko")
        )
        assert texts(dispatcher) == [expected]


async def test_a_clear_question_in_another_language_switches(domain):
    dispatcher = CollectingDispatcher()
    intent = "faq_why_koreans_in_kazakhstan"
    tracker = tracker_for(intent, SEED_IN["en"], language="ru")
    events = await ActionAnswerFaq().run(dispatcher, tracker, domain)
    assert texts(dispatcher) == [helpers.answers_by_intent("en")[intent]]
    assert slot_events(events, "language") == ["en"]


async def test_the_channels_hint_counts_until_the_conversation_has_a_language(domain):
    hint = {"language_hint": "kk-KZ"}
    dispatcher = CollectingDispatcher()
    tracker = tracker_for("greet", "/greet", language=None, metadata=hint)
    events = await ActionSmallTalk().run(dispatcher, tracker, domain)
    assert texts(dispatcher)[0] == helpers.text("greet", "kk")
    assert slot_events(events, "language") == ["kk"]
    dispatcher = CollectingDispatcher()
    tracker = tracker_for("thanks", "ok", language="ru", metadata=hint)
    await ActionSmallTalk().run(dispatcher, tracker, domain)
    assert texts(dispatcher) == [helpers.text("thanks", "ru")]


async def test_the_language_switch_greets_in_the_chosen_language(domain):
    dispatcher = CollectingDispatcher()
    tracker = tracker_for(
        "set_language", '/set_language{"language": "ko"}', entities=[("language", "ko")]
    )
    events = await ActionSmallTalk().run(dispatcher, tracker, domain)
    assert texts(dispatcher) == [helpers.text("greet", "ko"), helpers.text("menu_prompt", "ko")]
    assert dispatcher.messages[1]["buttons"] == helpers.question_buttons("ko")
    assert slot_events(events, "language") == ["ko"]


async def test_an_unsupported_language_gets_the_english_list_of_languages(domain, log):
    dispatcher = CollectingDispatcher()
    intent = "faq_why_koreans_in_kazakhstan"
    tracker = tracker_for(intent, "Warum gibt es so viele Koreaner in Kasachstan?", language="ru")
    events = await ActionAnswerFaq().run(dispatcher, tracker, domain)
    assert texts(dispatcher) == [helpers.texts()["unsupported_language"]]
    assert slot_events(events, "language") == []  # the conversation's language stays
    (entry,) = log.entries()
    assert entry.kind == "unsupported_language"


def test_content_edits_take_effect_without_a_restart(tmp_path: Path):
    folder = tmp_path / "content"
    shutil.copytree(helpers.CONTENT_DIR, folder)
    path = folder / "questions" / "kazakhs_in_korea.yml"
    original = path.read_text(encoding="utf-8")
    store = ContentStore(folder)
    seed_answer = store.get().language("en").answer_for("faq_kazakhs_in_korea")

    path.write_text(original.replace(seed_answer, "An edited answer."), encoding="utf-8")
    future = time.time() + 5
    os.utime(path, (future, future))
    assert store.get().language("en").answer_for("faq_kazakhs_in_korea") == "An edited answer."

    path.write_text("order: [oops", encoding="utf-8")  # a broken edit keeps the last good one
    os.utime(path, (future + 5, future + 5))
    assert store.get().language("en").answer_for("faq_kazakhs_in_korea") == "An edited answer."


def action_request(action: str, intent: str, domain: dict) -> dict:
    tracker = tracker_for(intent)
    return {
        "next_action": action,
        "sender_id": "tester",
        "version": "3.6.21",
        "domain": domain,
        "tracker": {
            "sender_id": tracker.sender_id,
            "slots": {},
            "latest_message": tracker.latest_message,
            "events": tracker.events,
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def test_action_server_lists_the_actions(bot):
    # With the token Rasa sends (endpoints.yml): the action server refuses calls without it.
    headers = bot.processes.action_server_headers()
    listed = requests.get(bot.actions.url + "/actions", headers=headers, timeout=10).json()
    listed = {a["name"] for a in listed}
    assert {
        "action_answer_faq",
        "action_small_talk",
        "action_message_too_long",
        "action_faq_fallback",
        "action_none_of_these",
    } <= listed


def test_action_server_webhook_answers_an_faq_intent(bot, domain, seed):
    reply = requests.post(
        bot.actions.url + "/webhook",
        json=action_request("action_answer_faq", "faq_kazakhs_in_korea", domain),
        headers=bot.processes.action_server_headers(),
        timeout=30,
    )
    assert reply.status_code == 200
    body = reply.json()
    assert [r["text"] for r in body["responses"]] == [
        helpers.seed_by_intent()["faq_kazakhs_in_korea"][1]
    ]
    # A conversation with no language yet gets one (English: the text says so).
    assert body["events"] == [
        {"event": "slot", "timestamp": None, "name": "language", "value": "en"},
        {"event": "slot", "timestamp": None, "name": "faq_topic", "value": "faq_kazakhs_in_korea"},
    ]


def test_action_server_webhook_fallback_and_unknown_action(bot, domain):
    reply = requests.post(
        bot.actions.url + "/webhook",
        json=action_request("action_faq_fallback", "out_of_scope", domain),
        headers=bot.processes.action_server_headers(),
        timeout=30,
    )
    assert [r["text"] for r in reply.json()["responses"]] == helpers.fallback_texts()
    missing = requests.post(
        bot.actions.url + "/webhook",
        json=action_request("action_does_not_exist", "greet", domain),
        headers=bot.processes.action_server_headers(),
        timeout=30,
    )
    assert missing.status_code == 404


# --- follow-ups ---------------------------------------------------------------------------


def follow_up_tracker(text: str, topic: str | None, entities: list[tuple[str, str]]) -> Tracker:
    """A tracker whose topic is ``topic`` and whose latest message is a follow-up."""
    return tracker_for("follow_up", text, [("follow_up", 0.95)], topic=topic, entities=entities)


@pytest.mark.parametrize(
    ("topic", "text", "entities", "expected"),
    [
        ("faq_why_koreans_in_kazakhstan", "how about Kyrgyzstan?", [("country", "kyrgyzstan")],
         "faq_why_koreans_in_kyrgyzstan"),
        ("faq_south_korea_enemy", "and for the North?", [("side", "north")],
         "faq_north_korea_enemy"),
        ("faq_north_korea_enemy", "the South's, then?", [("side", "South")],
         "faq_south_korea_enemy"),
        ("faq_south_korea_enemy", "who are its allies, then?", [("relation", "ally")],
         "faq_south_korea_allies"),
        ("faq_south_korea_allies", "friends?", [("relation", "friend")],
         "faq_south_korea_friends"),
        ("faq_korean_spoken_in_kazakhstan", "does it sound like Kazakh?",
         [("aspect", "similar")], "faq_korean_similar_to_kazakh"),
        ("faq_korean_similar_to_kazakh", "do many people still use it?",
         [("aspect", "spoken")], "faq_korean_spoken_in_kazakhstan"),
    ],
)  # fmt: skip
async def test_a_follow_up_gets_the_answer_it_points_to(
    domain, log, topic, text, entities, expected
):
    dispatcher = CollectingDispatcher()
    events = await ActionFollowUp().run(
        dispatcher, follow_up_tracker(text, topic, entities), domain
    )
    assert texts(dispatcher) == [helpers.answers_by_intent()[expected]]
    related = helpers.related_by_intent()[expected]
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == [f"/{r}" for r in related]
    assert events == [{"event": "slot", "timestamp": None, "name": "faq_topic", "value": expected}]
    assert log.entries() == []


@pytest.mark.parametrize(
    ("topic", "text", "entities", "offered"),
    [
        ("faq_why_koreans_in_kazakhstan", "how about Turkmenistan?",
         [("country", "turkmenistan")],
         ["faq_why_koreans_in_kazakhstan", "faq_why_koreans_in_kyrgyzstan"]),
        ("faq_south_korea_enemy", "and China's enemy?",
         [("country", "china"), ("relation", "enemy")],
         ["faq_south_korea_enemy", "faq_south_korea_friends", "faq_south_korea_allies",
          "faq_north_korea_enemy"]),
        ("faq_north_korea_enemy", "who are its allies?", [("relation", "ally")],
         ["faq_north_korea_enemy", "faq_south_korea_friends", "faq_south_korea_allies",
          "faq_south_korea_enemy"]),
        ("faq_south_korea_enemy", "the north or the south?", [("side", "north"), ("side", "south")],
         ["faq_south_korea_enemy", "faq_south_korea_friends", "faq_south_korea_allies",
          "faq_north_korea_enemy"]),
    ],
)  # fmt: skip
async def test_a_follow_up_with_no_faq_gets_an_honest_reply_and_is_logged(
    domain, log, topic, text, entities, offered
):
    dispatcher = CollectingDispatcher()
    events = await ActionFollowUp().run(
        dispatcher, follow_up_tracker(text, topic, entities), domain
    )
    (message,) = dispatcher.messages
    assert message["text"] == helpers.text("follow_up_no_answer")
    assert [b["payload"] for b in message["buttons"]] == [f"/{i}" for i in offered]
    assert events == []  # the topic stays
    (entry,) = log.entries()
    assert (entry.kind, entry.text) == ("follow_up_no_answer", text)


@pytest.mark.parametrize(
    ("topic", "entities"),
    [(None, [("country", "kyrgyzstan")]), ("faq_south_korea_enemy", [])],
    ids=["no topic yet", "nothing named"],
)
async def test_a_follow_up_with_nothing_to_lean_on_gets_the_fallback(domain, log, topic, entities):
    dispatcher = CollectingDispatcher()
    tracker = follow_up_tracker("how about that?", topic, entities)
    events = await ActionFollowUp().run(dispatcher, tracker, domain)
    assert texts(dispatcher) == helpers.fallback_texts()
    assert events == []
    (entry,) = log.entries()
    assert entry.kind == "fallback"


def unsure_tracker(topic: str | None, entities: list[tuple[str, str]]) -> Tracker:
    """ "now the north": NLU is unsure, and its best guess is a follow-up."""
    ranking = [("follow_up", 0.45), ("faq_north_korea_enemy", 0.3), ("out_of_scope", 0.1)]
    return tracker_for("nlu_fallback", "now the north", ranking, topic=topic, entities=entities)


async def test_an_unsure_follow_up_that_fits_the_topic_is_answered_and_logged(domain, log):
    dispatcher = CollectingDispatcher()
    tracker = unsure_tracker("faq_south_korea_enemy", [("side", "north")])
    events = await ActionFaqFallback().run(dispatcher, tracker, domain)
    assert texts(dispatcher) == [helpers.answers_by_intent()["faq_north_korea_enemy"]]
    assert events == [
        {"event": "slot", "timestamp": None, "name": "faq_topic", "value": "faq_north_korea_enemy"}
    ]
    (entry,) = log.entries()
    assert (entry.kind, entry.text) == ("low_confidence", "now the north")


@pytest.mark.parametrize(
    ("topic", "entities"),
    [
        (None, [("side", "north")]),  # no context: never guessed
        ("faq_north_korea_enemy", [("relation", "ally")]),  # North Korea's allies: no FAQ
    ],
    ids=["no topic", "no question fits"],
)
async def test_an_unsure_follow_up_that_fits_nothing_gets_did_you_mean(
    domain, log, topic, entities
):
    dispatcher = CollectingDispatcher()
    events = await ActionFaqFallback().run(dispatcher, unsure_tracker(topic, entities), domain)
    assert texts(dispatcher) == [helpers.text("did_you_mean_prompt")]
    assert events == []


def subjectless_tracker(best: str) -> Tracker:
    """ "what's the story for kazakhstan" after Kyrgyzstan's question: it names no
    Koreans, so the subject guard holds its best guess under the threshold."""
    ranking = [(best, 0.5), ("follow_up", 0.3), ("out_of_scope", 0.1)]
    return tracker_for(
        "nlu_fallback",
        "what's the story for kazakhstan",
        ranking,
        topic="faq_why_koreans_in_kyrgyzstan",
        entities=[("country", "kazakhstan")],
    )


async def test_an_unsure_question_whose_guess_the_topic_confirms_is_answered(domain, log):
    dispatcher = CollectingDispatcher()
    tracker = subjectless_tracker("faq_why_koreans_in_kazakhstan")
    await ActionFaqFallback().run(dispatcher, tracker, domain)
    assert texts(dispatcher) == [helpers.answers_by_intent()["faq_why_koreans_in_kazakhstan"]]


async def test_an_unsure_question_whose_guess_the_topic_contradicts_gets_did_you_mean(domain, log):
    dispatcher = CollectingDispatcher()
    tracker = subjectless_tracker("faq_korean_spoken_in_kazakhstan")
    await ActionFaqFallback().run(dispatcher, tracker, domain)
    assert texts(dispatcher) == [helpers.text("did_you_mean_prompt")]


def offered_tracker(
    topic: str, best: str, confidence: float = 0.5, entities: list[tuple[str, str]] = ()
) -> Tracker:
    """ "why are there koreans there, anyway?" after another question: it names no
    Kazakhstan, so the subject guard holds its best guess at its cap (0.5)."""
    ranking = [(best, confidence), ("faq_why_koreans_in_kyrgyzstan", 0.3), ("out_of_scope", 0.1)]
    text = "why are there koreans there, anyway?"
    return tracker_for("nlu_fallback", text, ranking, topic=topic, entities=entities)


async def test_an_unsure_question_the_last_answer_offered_is_answered(domain, log):
    """Korean spoken in Kazakhstan offers "Why are there Koreans in Kazakhstan?"."""
    dispatcher = CollectingDispatcher()
    tracker = offered_tracker("faq_korean_spoken_in_kazakhstan", "faq_why_koreans_in_kazakhstan")
    events = await ActionFaqFallback().run(dispatcher, tracker, domain)
    assert texts(dispatcher) == [helpers.answers_by_intent()["faq_why_koreans_in_kazakhstan"]]
    assert events == [
        {
            "event": "slot",
            "timestamp": None,
            "name": "faq_topic",
            "value": "faq_why_koreans_in_kazakhstan",
        }
    ]


@pytest.mark.parametrize(
    ("topic", "best", "confidence", "entities"),
    [
        # South Korea's friends offer allies and enemy, not this question.
        ("faq_south_korea_friends", "faq_why_koreans_in_kazakhstan", 0.5, []),
        # Offered, but under half the probability.
        ("faq_korean_spoken_in_kazakhstan", "faq_why_koreans_in_kazakhstan", 0.45, []),
        # Offered, but it names a country the question is not about.
        (
            "faq_korean_spoken_in_kazakhstan",
            "faq_why_koreans_in_kazakhstan",
            0.5,
            [("country", "uzbekistan")],
        ),
        # Offered within the topic: what it names decides there, and it names nothing.
        ("faq_south_korea_friends", "faq_south_korea_allies", 0.5, []),
    ],
    ids=["not offered", "too unsure", "another country", "same topic"],
)
async def test_an_unsure_question_the_offer_does_not_settle_gets_did_you_mean(
    domain, log, topic, best, confidence, entities
):
    dispatcher = CollectingDispatcher()
    tracker = offered_tracker(topic, best, confidence, entities)
    await ActionFaqFallback().run(dispatcher, tracker, domain)
    assert texts(dispatcher) == [helpers.text("did_you_mean_prompt")]
