"""The custom actions, in process (Tracker + CollectingDispatcher) and over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionAnswerFaq
from actions.fallback import ActionFaqFallback
from tests import helpers

FALLBACK = ["utter_cannot_answer", "utter_question_menu"]


def tracker_for(intent: str, text: str = "some question") -> Tracker:
    latest = {"intent": {"name": intent, "confidence": 0.99}, "entities": [], "text": text}
    events = [{"event": "user", "text": text, "parse_data": latest}]
    return Tracker("tester", {}, latest, events, False, None, {}, "action_listen")


def said(dispatcher: CollectingDispatcher, domain: dict[str, Any]) -> list[tuple[str, str]]:
    """(response name, its text in the domain) for each message sent."""
    return [
        (m["response"], helpers.response_texts(domain, m["response"])[0])
        for m in dispatcher.messages
    ]


@pytest.mark.parametrize("intent", helpers.faq_intents(helpers.load_yaml(helpers.DOMAIN_FILE)))
async def test_answer_action_sends_the_seed_answer(intent, domain, seed):
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerFaq().run(dispatcher, tracker_for(intent), domain)
    _question, answer = helpers.seed_by_intent(domain)[intent]
    assert said(dispatcher, domain) == [(f"utter_{intent}", answer)]
    assert events == []


@pytest.mark.parametrize("intent", ["greet", "out_of_scope", "nlu_fallback", "faq_unknown"])
async def test_answer_action_falls_back_without_an_answer(intent, domain):
    dispatcher = CollectingDispatcher()
    await ActionAnswerFaq().run(dispatcher, tracker_for(intent), domain)
    assert [name for name, _ in said(dispatcher, domain)] == FALLBACK


async def test_fallback_action_apologises_and_offers_the_nine_questions(domain, seed):
    dispatcher = CollectingDispatcher()
    await ActionFaqFallback().run(dispatcher, tracker_for("out_of_scope"), domain)
    (apology_name, apology), (menu_name, _menu) = said(dispatcher, domain)
    assert apology_name == "utter_cannot_answer"
    assert "can't answer" in apology
    assert menu_name == "utter_question_menu"
    titles = [b["title"] for b in helpers.menu_buttons(domain)]
    assert titles == [question for question, _ in seed]


def action_request(action: str, intent: str, domain: dict[str, Any]) -> dict[str, Any]:
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


def test_action_server_lists_both_actions(bot):
    listed = {a["name"] for a in requests.get(bot.actions.url + "/actions", timeout=10).json()}
    assert {"action_answer_faq", "action_faq_fallback"} <= listed


def test_action_server_webhook_answers_an_faq_intent(bot, domain):
    reply = requests.post(
        bot.actions.url + "/webhook",
        json=action_request("action_answer_faq", "faq_kazakhs_in_korea", domain),
        timeout=30,
    )
    assert reply.status_code == 200
    body = reply.json()
    assert [r["response"] for r in body["responses"]] == ["utter_faq_kazakhs_in_korea"]
    assert body["events"] == []


def test_action_server_webhook_fallback_and_unknown_action(bot, domain):
    reply = requests.post(
        bot.actions.url + "/webhook",
        json=action_request("action_faq_fallback", "out_of_scope", domain),
        timeout=30,
    )
    assert [r["response"] for r in reply.json()["responses"]] == FALLBACK
    missing = requests.post(
        bot.actions.url + "/webhook",
        json=action_request("action_does_not_exist", "greet", domain),
        timeout=30,
    )
    assert missing.status_code == 404
