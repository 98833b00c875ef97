"""The custom actions, in process (Tracker + CollectingDispatcher) and over HTTP."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import requests
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.content import ContentStore
from actions.fallback import ActionFaqFallback
from actions.faq import ActionAnswerFaq
from actions.menu import ActionShowQuestions
from tests import helpers

FAQ_INTENTS = helpers.faq_intents(helpers.load_yaml(helpers.DOMAIN_FILE))


def tracker_for(intent: str, text: str = "some question") -> Tracker:
    latest = {"intent": {"name": intent, "confidence": 0.99}, "entities": [], "text": text}
    events = [{"event": "user", "text": text, "parse_data": latest}]
    return Tracker("tester", {}, latest, events, False, None, {}, "action_listen")


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [message["text"] for message in dispatcher.messages]


@pytest.mark.parametrize("intent", FAQ_INTENTS)
async def test_answer_action_sends_the_seed_answer(intent, domain, seed):
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerFaq().run(dispatcher, tracker_for(intent), domain)
    _question, answer = helpers.seed_by_intent()[intent]
    assert texts(dispatcher) == [answer]
    assert dispatcher.messages[0]["buttons"] == []
    assert events == []


@pytest.mark.parametrize("intent", ["greet", "out_of_scope", "nlu_fallback", "faq_unknown", None])
async def test_answer_action_falls_back_without_an_answer(intent, domain):
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(dispatcher, tracker_for(intent), domain)
    assert texts(dispatcher) == helpers.fallback_texts()


async def test_fallback_action_apologises_and_offers_the_nine_questions(domain, seed):
    dispatcher = CollectingDispatcher()
    await ActionFaqFallback().run(dispatcher, tracker_for("out_of_scope"), domain)
    apology, menu = dispatcher.messages
    assert apology["text"].startswith("Sorry, I can't answer that.")
    assert menu["text"] == helpers.content()["menu_prompt"]
    assert [b["title"] for b in menu["buttons"]] == [question for question, _ in seed]
    assert [b["payload"] for b in menu["buttons"]] == [f"/{i}" for i in helpers.seed_by_intent()]


async def test_show_questions_offers_every_faq_intent_as_a_button(domain):
    dispatcher = CollectingDispatcher()
    await ActionShowQuestions().run(dispatcher, tracker_for("greet"), domain)
    (menu,) = dispatcher.messages
    assert menu["buttons"] == helpers.question_buttons()
    assert sorted(b["payload"] for b in menu["buttons"]) == sorted(f"/{i}" for i in FAQ_INTENTS)


def test_content_edits_take_effect_without_a_restart(tmp_path: Path):
    path = tmp_path / "faq.yml"
    original = helpers.CONTENT_FILE.read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    store = ContentStore(path)
    seed_answer = store.get().answer_for("faq_kazakhs_in_korea")

    path.write_text(original.replace(seed_answer, "An edited answer."), encoding="utf-8")
    future = time.time() + 5
    os.utime(path, (future, future))
    assert store.get().answer_for("faq_kazakhs_in_korea") == "An edited answer."

    path.write_text("faq: [oops", encoding="utf-8")  # a broken edit keeps the last good one
    os.utime(path, (future + 5, future + 5))
    assert store.get().answer_for("faq_kazakhs_in_korea") == "An edited answer."


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
    listed = {a["name"] for a in requests.get(bot.actions.url + "/actions", timeout=10).json()}
    assert {"action_answer_faq", "action_show_questions", "action_faq_fallback"} <= listed


def test_action_server_webhook_answers_an_faq_intent(bot, domain, seed):
    reply = requests.post(
        bot.actions.url + "/webhook",
        json=action_request("action_answer_faq", "faq_kazakhs_in_korea", domain),
        timeout=30,
    )
    assert reply.status_code == 200
    body = reply.json()
    assert [r["text"] for r in body["responses"]] == [
        helpers.seed_by_intent()["faq_kazakhs_in_korea"][1]
    ]
    assert body["events"] == []


def test_action_server_webhook_fallback_and_unknown_action(bot, domain):
    reply = requests.post(
        bot.actions.url + "/webhook",
        json=action_request("action_faq_fallback", "out_of_scope", domain),
        timeout=30,
    )
    assert [r["text"] for r in reply.json()["responses"]] == helpers.fallback_texts()
    missing = requests.post(
        bot.actions.url + "/webhook",
        json=action_request("action_does_not_exist", "greet", domain),
        timeout=30,
    )
    assert missing.status_code == 404
