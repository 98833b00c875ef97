"""The Telegram channel against a fake Telegram Bot API server on loopback."""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import requests

from tests import helpers
from tests.fake_api import JsonApiHandler
from tests.support.processes import free_port, start_bot

TOKEN = "123456789:TEST-token-for-the-fake-bot-api"
BOT_NAME = "faq_test_bot"


class FakeBotApi(ThreadingHTTPServer):
    """Answers Bot API calls (POST /bot<token>/<method>) like Telegram, and records them."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", free_port()), FakeBotApiHandler)
        self.calls: list[tuple[str, dict]] = []
        self.lock = threading.Lock()

    def calls_to(self, method: str) -> list[dict]:
        with self.lock:
            return [params for name, params in self.calls if name == method]


class FakeBotApiHandler(JsonApiHandler):
    server: FakeBotApi

    def do_POST(self) -> None:  # noqa: N802
        prefix = f"/bot{TOKEN}/"
        if not self.path.startswith(prefix):
            return self.reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = self.path[len(prefix) :]
        body = self.read_body()
        params = self.parse(body)
        with self.server.lock:
            self.server.calls.append((method, params))
        if method == "getMe":
            user = {"id": 42, "is_bot": True, "first_name": "FAQ", "username": BOT_NAME}
            return self.reply(200, {"ok": True, "result": user})
        if method == "setWebhook":
            return self.reply(200, {"ok": True, "result": True, "description": "Webhook was set"})
        if method == "sendMessage":
            chat_id = int(params["chat_id"])
            message = {
                "message_id": len(self.server.calls),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": 42, "is_bot": True, "first_name": "FAQ"},
                "text": params.get("text", ""),
            }
            return self.reply(200, {"ok": True, "result": message})
        return self.reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    def parse(self, body: bytes) -> dict:
        kind = self.headers.get("Content-Type", "")
        if kind.startswith("application/json"):
            return json.loads(body or b"{}")
        if kind.startswith("multipart/form-data"):
            from email.parser import BytesParser
            from email.policy import HTTP

            message = BytesParser(policy=HTTP).parsebytes(
                f"Content-Type: {kind}\r\n\r\n".encode() + body
            )
            return {
                part.get_param("name", header="content-disposition"): part.get_content()
                for part in message.iter_parts()
            }
        return {key: values[0] for key, values in parse_qs(body.decode()).items()}


@pytest.fixture(scope="module")
def telegram(tmp_path_factory):
    api = FakeBotApi()
    thread = threading.Thread(target=api.serve_forever, daemon=True)
    thread.start()
    secret = secrets.token_urlsafe(24)
    webhook_url = "https://bot.example.org/webhooks/telegram/webhook"
    bot = start_bot(
        tmp_path_factory.mktemp("telegram"),
        extra_env={
            "TELEGRAM_TOKEN": TOKEN,
            "TELEGRAM_BOT_NAME": BOT_NAME,
            "TELEGRAM_WEBHOOK_URL": webhook_url,
            "TELEGRAM_SECRET_TOKEN": secret,
            "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{api.server_address[1]}",
        },
    )
    yield api, bot, secret, webhook_url
    bot.stop()
    api.shutdown()


_update_ids = iter(range(1000, 100000))


def update(text: str, chat_id: int) -> dict:
    user = {"id": chat_id, "is_bot": False, "first_name": "Test"}
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": next(_update_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
            "from": user,
            "text": text,
        },
    }


def post_update(bot, body: dict, secret: str | None) -> requests.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return requests.post(
        bot.rasa.url + "/webhooks/telegram/webhook", json=body, headers=headers, timeout=60
    )


def sent_to(api: FakeBotApi, chat_id: int) -> list[dict]:
    return [m for m in api.calls_to("sendMessage") if int(m["chat_id"]) == chat_id]


def test_webhook_is_registered_with_the_secret_token(telegram):
    api, _bot, secret, webhook_url = telegram
    assert {"url": webhook_url, "secret_token": secret} in api.calls_to("setWebhook")


def test_a_seed_question_gets_its_exact_answer(telegram, seed):
    api, bot, secret, _ = telegram
    question, answer = seed[1]
    reply = post_update(bot, update(question, chat_id=1001), secret)
    assert reply.status_code == 200
    assert [m["text"] for m in sent_to(api, 1001)] == [answer]


def test_buttons_become_a_keyboard(telegram, domain):
    api, bot, secret, _ = telegram
    post_update(bot, update("hello", chat_id=1002), secret)
    greeting, menu = sent_to(api, 1002)
    assert greeting["text"] == helpers.response_text(domain, "utter_greet")
    assert menu["text"] == helpers.content()["menu_prompt"]
    keyboard = json.loads(menu["reply_markup"])["inline_keyboard"]
    buttons = [{"title": b["text"], "payload": b["callback_data"]} for row in keyboard for b in row]
    assert buttons == helpers.question_buttons()


def test_pressing_a_button_asks_its_question(telegram, seed):
    api, bot, secret, _ = telegram
    (button, *_), (_question, answer) = helpers.question_buttons(), seed[0]
    message = update("You can ask me...", chat_id=1003)["message"]
    press = {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": "cb-1",
            "from": message["from"],
            "message": message,
            "chat_instance": "1",
            "data": button["payload"],
        },
    }
    assert post_update(bot, press, secret).status_code == 200
    assert [m["text"] for m in sent_to(api, 1003)] == [answer]


@pytest.mark.parametrize("secret", [None, "wrong-secret"], ids=["missing", "wrong"])
def test_a_wrong_or_missing_secret_is_rejected_without_a_reply(telegram, seed, secret):
    api, bot, _secret, _ = telegram
    chat_id = 2000 + (0 if secret is None else 1)
    reply = post_update(bot, update(seed[0][0], chat_id), secret)
    assert reply.status_code == 403
    time.sleep(1)
    assert sent_to(api, chat_id) == []


def test_telegram_is_off_without_its_settings(bot):
    # The shared bot runs without TELEGRAM_* variables: no webhook is served.
    reply = requests.post(bot.rasa.url + "/webhooks/telegram/webhook", json={}, timeout=10)
    assert reply.status_code == 404
    log = bot.rasa.log.read_text(errors="replace")
    assert log.count("Telegram channel off: TELEGRAM_TOKEN") == 1
