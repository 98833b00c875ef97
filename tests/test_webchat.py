"""The web chat page in a real browser (Debian's chromium, driven by playwright-core)."""

from __future__ import annotations

import json
import os
import subprocess

import requests

from tests import helpers

SCREENSHOT = helpers.ROOT / "reports" / "webchat.png"


def test_page_serves_only_local_assets(bot):
    page = requests.get(bot.web.url + "/", timeout=10)
    assert page.status_code == 200
    assert '<script src="webchat.js">' in page.text
    config = requests.get(bot.web.url + "/config.js", timeout=10).text
    assert json.dumps(bot.rasa.url) in config
    assert requests.get(bot.web.url + "/webchat.js", timeout=10).headers["Content-Type"] == (
        "application/javascript"
    )
    assert requests.get(bot.web.url + "/nope", timeout=10).status_code == 404


def test_socketio_accepts_only_the_page_origin(bot):
    handshake = bot.rasa.url + "/socket.io/?EIO=4&transport=polling"
    good = requests.get(handshake, headers={"Origin": bot.web.url}, timeout=10)
    assert good.status_code == 200
    assert good.headers["Access-Control-Allow-Origin"] == bot.web.url
    bad = requests.get(handshake, headers={"Origin": "http://evil.example"}, timeout=10)
    assert bad.status_code == 400
    assert "Access-Control-Allow-Origin" not in bad.headers


def test_web_chat_in_a_real_browser(bot, domain, seed):
    SCREENSHOT.parent.mkdir(exist_ok=True)
    scenario = {
        "url": bot.web.url + "/",
        "greeting": helpers.response_text(domain, "utter_greet"),
        "menuPrompt": helpers.content()["menu_prompt"],
        "typed": [{"question": q, "answer": a} for q, a in (seed[0], seed[2])],
        "help": {
            "question": "what can I ask?",
            "text": helpers.response_text(domain, "utter_help"),
            "buttons": [question for question, _ in seed],
        },
        "click": {"question": seed[6][0], "answer": seed[6][1]},
        "screenshot": str(SCREENSHOT),
    }
    result = subprocess.run(
        ["node", "tests/browser/webchat.mjs"],
        cwd=helpers.ROOT,
        env={**os.environ, "WEBCHAT_TEST": json.dumps(scenario)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WEBCHAT OK" in result.stdout, output
    assert SCREENSHOT.stat().st_size > 10_000
