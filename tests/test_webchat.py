"""The web chat page: its headers and assets, the socket.io origin check, and the
page in a real browser (Debian's chromium, driven by playwright-core)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import threading
from collections.abc import Callable

import pytest
import requests
import websockets
import yaml

from bot.languages import LANGUAGES
from channels import socketio as channel
from scripts import web
from tests import helpers
from tools.support.processes import start_bot

SCREENSHOT = helpers.ROOT / "reports" / "webchat.png"
BROWSER_TIMEOUT_S = 300
# What the rasa-webchat 1.0.1 bundle's stylesheets @import (setup/fetch_webchat.sh
# removes it when it fetches the bundle).
GOOGLE_FONT = "https://fonts.googleapis.com/css?family=Inter:400,500,700&display=swap"
# The page's own texts, every language side by side.
WEB_TEXTS = helpers.ROOT / "content" / "web.yml"


def web_texts() -> dict[str, dict[str, str]]:
    return yaml.safe_load(WEB_TEXTS.read_text(encoding="utf-8"))["texts"]


def page_in(code: str) -> dict:
    """What the page says in ``code`` (tests/browser/webchat.mjs: pageTexts)."""
    texts = {name: by_language[code] for name, by_language in web_texts().items()}
    return {
        "lang": code,
        "title": texts["title"],
        "header": texts["title"],
        "description": texts["description"],
        "switchLabel": texts["language_switch"],
        "widgetTitle": texts["title"],
        "subtitle": texts["subtitle"],
        "placeholder": texts["placeholder"],
        "pressed": [code],
    }


def expected_headers(rasa_url: str) -> dict[str, str]:
    websocket = rasa_url.replace("http://", "ws://", 1)
    return {
        "Content-Security-Policy": (
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data:; font-src data:; connect-src {rasa_url} {websocket}; "
            "base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'none'"
        ),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }


def test_page_serves_only_local_assets_with_its_security_headers(bot):
    headers = expected_headers(bot.rasa.url)
    page = requests.get(bot.web.url + "/", timeout=10)
    assert page.status_code == 200
    assert {name: page.headers.get(name) for name in headers} == headers
    # Scripts come from the page's own files only: the CSP allows no inline script.
    scripts = ['<script src="config.js">', '<script src="webchat.js">', '<script src="chat.js">']
    assert [tag for tag in scripts if tag in page.text] == scripts
    blocks = ["webchat-settings", "page-texts"]  # JSON, which the CSP does not run
    assert page.text.count("<script") == len(scripts) + len(blocks)
    for block in blocks:
        assert f'<script type="application/json" id="{block}">' in page.text
    assert "googleapis" not in page.text

    config = requests.get(bot.web.url + "/config.js", timeout=10).text
    assert config == f"window.FAQ_BOT = {json.dumps({'socketUrl': bot.rasa.url})};\n"
    for path in ("/webchat.js", "/chat.js"):
        asset = requests.get(bot.web.url + path, timeout=10)
        assert asset.headers["Content-Type"] == "application/javascript"
        assert asset.headers["X-Content-Type-Options"] == "nosniff"
    missing = requests.get(bot.web.url + "/nope", timeout=10)
    assert missing.status_code == 404
    assert {name: missing.headers.get(name) for name in headers} == headers


def test_the_policy_allows_the_bot_over_https_and_wss():
    policy = web.security_headers("https://bot.example.org")["Content-Security-Policy"]
    assert "; connect-src https://bot.example.org wss://bot.example.org; " in policy
    for bad in ("bot.example.org", "ftp://bot.example.org", ""):
        with pytest.raises(ValueError, match="RASA_PUBLIC_URL must be an http"):
            web.security_headers(bad)


async def test_socketio_accepts_only_the_page_origin(bot):
    # The test bot runs with WEB_CHAT_ORIGINS empty: the page's own origins.
    address = bot.rasa.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    port = bot.web.url.rsplit(":", 1)[1]
    for origin in (bot.web.url, f"http://localhost:{port}"):
        async with websockets.connect(address, origin=origin) as ws:
            assert (await ws.recv()).startswith("0")  # engine.io OPEN
    for origin in ("http://evil.example", bot.rasa.url, f"https://127.0.0.1:{port}"):
        with pytest.raises(websockets.InvalidStatusCode) as refused:
            async with websockets.connect(address, origin=origin):
                pass
        assert refused.value.status_code == 400


@pytest.mark.parametrize(
    ("env", "origins"),
    [
        ({}, ["http://localhost:8080", "http://127.0.0.1:8080"]),
        ({"WEB_CHAT_ORIGINS": ""}, ["http://localhost:8080", "http://127.0.0.1:8080"]),
        ({"WEB_CHAT_ORIGINS": " , ", "WEB_PORT": "9000"}, ["http://localhost:9000", "http://127.0.0.1:9000"]),
        ({"WEB_PUBLIC_URL": "https://Chat.Example.org:443/faq/", "WEB_PORT": "9000"}, ["https://chat.example.org"]),
        ({"WEB_PUBLIC_URL": "http://[::1]:8080"}, ["http://[::1]:8080"]),
        (
            {"WEB_CHAT_ORIGINS": "https://a.example/, http://b.example:80,https://c.example:8443"},
            ["https://a.example", "http://b.example", "https://c.example:8443"],
        ),
    ],
    ids=["unset", "empty", "blank", "public URL", "IPv6", "listed"],
)  # fmt: skip
def test_an_empty_origin_list_means_the_page_own_origin(monkeypatch, env, origins):
    for name in ("WEB_CHAT_ORIGINS", "WEB_PUBLIC_URL", "WEB_PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # engine.io reads an empty list as "any origin": never that.
    assert channel.allowed_origins() == origins


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WEB_PUBLIC_URL", "chat.example.org"),
        ("WEB_PUBLIC_URL", "https://chat.example.org:99999"),
        ("WEB_CHAT_ORIGINS", "*"),
        ("WEB_CHAT_ORIGINS", "https://a.example,localhost:8080"),
        ("WEB_CHAT_ORIGINS", "file:///srv/faq/index.html"),
    ],
)
def test_an_origin_must_be_an_http_url(monkeypatch, name, value):
    monkeypatch.setenv("WEB_CHAT_ORIGINS", "")
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match="not an http\\(s\\) URL"):
        channel.allowed_origins()


def run_browser(scenario: dict, actions: dict[str, Callable[[], None]] | None = None) -> str:
    """Run tests/browser/webchat.mjs on ``scenario`` and return its output.

    The script prints ``ACTION <name>`` when the test must act (stop or restart
    Rasa): the action runs here and the script reads ``done`` on its stdin.
    """
    process = subprocess.Popen(
        ["node", "tests/browser/webchat.mjs"],
        cwd=helpers.ROOT,
        env={**os.environ, "WEBCHAT_TEST": json.dumps(scenario)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    watchdog = threading.Timer(BROWSER_TIMEOUT_S, process.kill)
    watchdog.start()
    output = []
    try:
        for line in process.stdout:
            output.append(line)
            if line.startswith("ACTION "):
                (actions or {})[line.split()[1]]()
                process.stdin.write("done\n")
                process.stdin.flush()
        process.wait()
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
    text = "".join(output)
    assert process.returncode == 0, text
    assert "WEBCHAT OK" in text, text
    return text


def browser_scenario(bot, domain) -> dict:
    """What every browser run checks: the page's headers, the greeting, and that
    no request leaves loopback."""
    bundle = (helpers.ROOT / "build" / "webchat" / "index.js").read_text(encoding="utf-8")
    return {
        "url": bot.web.url + "/",
        "headers": {k.lower(): v for k, v in expected_headers(bot.rasa.url).items()},
        "greeting": helpers.text("greet"),
        "menuPrompt": helpers.text("menu_prompt"),
        # A bundle fetched before fetch_webchat.sh removed its font imports still
        # has them: the CSP then stops that one URL before it is requested.
        "cspBlocked": [GOOGLE_FONT] if GOOGLE_FONT in bundle else [],
    }


def test_web_chat_in_a_real_browser(bot, domain, seed):
    SCREENSHOT.parent.mkdir(exist_ok=True)
    ru_questions, ru_answers = helpers.questions_by_intent("ru"), helpers.answers_by_intent("ru")
    scenario = {
        **browser_scenario(bot, domain),
        "flow": "conversation",
        # A question, a typed follow-up that leans on it, then another question.
        "typed": [
            {"question": seed[0][0], "answer": seed[0][1]},
            {"question": "how about Kyrgyzstan?", "answer": seed[8][1]},
            {"question": seed[2][0], "answer": seed[2][1]},
        ],
        "menuButtons": [question for question, _ in seed],
        "forget": {"button": helpers.text("forget_me_button"), "reply": helpers.text("forgotten")},
        "help": {
            "question": "what can I ask?",
            "text": helpers.text("help"),
            "buttons": [b["title"] for b in helpers.help_buttons()],
        },
        "click": {"question": seed[6][0], "answer": seed[6][1]},
        "screenshot": str(SCREENSHOT),
        "language": {
            "code": "ru",
            "greeting": helpers.text("greet", "ru"),
            "menuPrompt": helpers.text("menu_prompt", "ru"),
            "buttons": list(ru_questions.values()),
            "typed": {
                "question": "Почему в Кыргызстане живут корейцы?",
                "answer": ru_answers["faq_why_koreans_in_kyrgyzstan"],
            },
            "click": {
                "question": ru_questions["faq_south_korea_allies"],
                "answer": ru_answers["faq_south_korea_allies"],
            },
        },
    }
    run_browser(scenario)
    assert SCREENSHOT.stat().st_size > 10_000


@pytest.fixture
def own_bot(tmp_path):
    """A bot of this test's own, so that stopping its Rasa server affects no other test."""
    processes = start_bot(tmp_path, secrets.token_hex(16))
    yield processes
    processes.stop()


def test_web_chat_shows_reconnecting_while_rasa_is_down(own_bot, domain):
    """rasa-webchat hides itself while its socket is down (hideWhenNotConnected
    defaults to true); the page keeps it, with a "Reconnecting…" bar in the
    language chosen on the page, and the widget reconnects by itself once Rasa
    is back."""
    code = "ru"
    questions, answers = helpers.questions_by_intent(code), helpers.answers_by_intent(code)
    question, answer = questions["faq_kazakhs_in_korea"], answers["faq_kazakhs_in_korea"]
    scenario = {
        **browser_scenario(own_bot, domain),
        "flow": "reconnect",
        "switchTo": {"code": code, "greeting": helpers.text("greet", code)},
        "reconnecting": web_texts()["reconnecting"][code],
        "after": {"question": question, "answer": answer},
    }
    output = run_browser(
        scenario, {"stop-rasa": own_bot.rasa.stop, "restart-rasa": own_bot.rasa.restart}
    )
    assert "reconnecting shown while Rasa was down" in output
    quoted = json.dumps(question, ensure_ascii=False)  # as node prints it
    assert f"after the restart: {quoted} answered exactly" in output


def test_the_page_speaks_the_browser_language_then_the_chosen_one(bot, domain):
    """The page's texts (content/web.yml) and <html lang>: the browser's language
    at first, then each language chosen on the switch, kept over a reload; English
    for a browser in a language the bot does not speak."""
    initial = "kk"
    switches = list(LANGUAGES)
    # The last choice differs from the browser's language: the reload shows the choice.
    assert switches[-1] != initial
    scenario = {
        **browser_scenario(bot, domain),
        # The page sends its language as the bot's hint: the bot greets in it too.
        "greeting": helpers.text("greet", initial),
        "menuPrompt": helpers.text("menu_prompt", initial),
        "flow": "languages",
        "locale": "kk-KZ",
        "initial": initial,
        "pages": {code: page_in(code) for code in LANGUAGES},
        "buttons": [
            {"language": code, "label": code.upper(), "title": web_texts()["language_name"][code]}
            for code in LANGUAGES
        ],
        "switches": [{"code": code, "greeting": helpers.text("greet", code)} for code in switches],
        "otherLocale": "de-DE",
    }
    output = run_browser(scenario)
    for code in switches:
        assert f"switched to {code}: the page is in {code}" in output
    assert f"a reload kept the page in {switches[-1]}" in output
