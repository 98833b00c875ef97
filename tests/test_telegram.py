"""The Telegram channel against a fake Telegram Bot API server on loopback
(tests/fake_telegram.py), with the real Rasa and action servers.

The webhook handler answers Telegram only after Rasa has handled the update and
sent its replies, so a check that nothing was sent needs no waiting.

The module's bot runs as a default set-up does, with TELEGRAM_SECRET_TOKEN unset:
its webhook secret is the one derived from the bot token. The bot started while
the Bot API fails has an explicit TELEGRAM_SECRET_TOKEN.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from itertools import count
from typing import Any

import pytest
import requests

from channels.disabled import DisabledChannel
from channels.telegram import TELEGRAM_MAX_REPLY_CHARS, ConfigurableTelegramOutput, EnvTelegramInput
from channels.text import split_text
from tests import helpers
from tests.fake_telegram import BOT_ID, BOT_USERNAME, TIME_OUT, TOKEN, TOO_MANY_REQUESTS, FakeBotApi
from tools.support.processes import start_bot

WEBHOOK_URL = "https://bot.example.org/webhooks/telegram/webhook"
ALLOWED_UPDATES = ["message", "callback_query"]
# The secret every process and instance derives from the bot token when
# TELEGRAM_SECRET_TOKEN is unset; spelt out here so that a change to it fails a test.
DERIVED_SECRET = hmac.new(
    TOKEN.encode(), b"faq-bot telegram webhook secret", hashlib.sha256
).hexdigest()
DERIVED = "TELEGRAM_SECRET_TOKEN is not set: the Telegram webhook secret is derived from"
# Update, message and chat ids; fixed chat ids in the tests are below this.
_ids = count(1_000_000)


class TelegramBot:
    """The bot with its Telegram channel on, and the fake Bot API it talks to."""

    def __init__(self, api: FakeBotApi, processes: Any, secret: str | None, token: str) -> None:
        self.api = api
        self.processes = processes
        self.secret = secret
        self.token = token
        self.url = processes.rasa.url

    def post(self, body: Any, secret: str | None = "", raw: bool = False) -> requests.Response:
        """POST an update to the webhook (with the right secret unless told otherwise)."""
        secret = self.secret if secret == "" else secret
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        data = body if raw else json.dumps(body)
        return requests.post(
            self.url + "/webhooks/telegram/webhook", data=data, headers=headers, timeout=60
        )

    def say(self, text: str, chat_id: int, **message: Any) -> list[str]:
        """Send a text message; the texts of the replies sent to its chat."""
        before = len(self.api.sent_to(chat_id))
        reply = self.post(update(message_from(chat_id, text=text, **message)))
        assert reply.status_code == 200
        return [m["text"] for m in self.api.sent_to(chat_id)[before:]]

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        return helpers.fetch_tracker(self.url, self.token, conversation_id)

    def user_texts(self, conversation_id: str) -> list[str]:
        events = self.tracker(conversation_id)["events"]
        return [e["text"] for e in events if e["event"] == "user"]

    def log(self) -> str:
        return self.processes.rasa.log.read_text(errors="replace")

    def log_lines(self, text: str) -> list[str]:
        return [line for line in self.log().splitlines() if text in line]

    def drops(self, reason: str = "") -> int:
        """How many updates the bot dropped (with ``reason``), by its log."""
        return len(self.log_lines(f"Dropped Telegram update: {reason}"))


def start_telegram(workdir: Any, api: FakeBotApi, **settings: str) -> tuple[Any, str]:
    token = secrets.token_hex(16)
    env = {
        "TELEGRAM_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
        "TELEGRAM_API_BASE_URL": api.base_url,
        **settings,
    }
    return start_bot(workdir, token, extra_env=env), token


@pytest.fixture(scope="module")
def telegram(tmp_path_factory: pytest.TempPathFactory) -> TelegramBot:
    api = FakeBotApi().start()
    # Telegram spells the username FAQ_Test_Bot: the setting's case and "@" do not matter.
    # Empty is unset (and overrides a TELEGRAM_SECRET_TOKEN in the environment).
    processes, token = start_telegram(
        tmp_path_factory.mktemp("telegram"),
        api,
        TELEGRAM_BOT_NAME="@faq_test_bot",
        TELEGRAM_SECRET_TOKEN="",
    )
    bot = TelegramBot(api, processes, DERIVED_SECRET, token)
    try:
        api.wait_for(lambda: api.calls_to("setWebhook") and api.calls_to("getMe"))
    except BaseException:
        processes.stop()
        api.stop()
        raise
    yield bot
    processes.stop()
    api.stop()


def chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Test"}
    return {"id": chat_id, "type": "supergroup", "title": "Korea and Kazakhstan"}


def user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}


def message_from(chat_id: int, user_id: int | None = None, **content: Any) -> dict[str, Any]:
    """A message as Telegram delivers it (``content``: text, sticker, reply_to_message...)."""
    return {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": chat(chat_id),
        "from": user(user_id or chat_id),
        **content,
    }


def update(message: dict[str, Any], kind: str = "message") -> dict[str, Any]:
    return {"update_id": next(_ids), kind: message}


def bot_message(chat_id: int, text: str) -> dict[str, Any]:
    """A message the bot sent earlier (what a user replies to)."""
    return {**message_from(chat_id, text=text), "from": {"id": BOT_ID, "is_bot": True}}


def tap(chat_id: int, data: str, query_id: str, user_id: int | None = None) -> dict[str, Any]:
    """A button press on one of the bot's messages."""
    query = {
        "id": query_id,
        "from": user(user_id or chat_id),
        "message": bot_message(chat_id, helpers.text("menu_prompt")),
        "chat_instance": "1",
        "data": data,
    }
    return update(query, "callback_query")


def keyboard(message: dict[str, Any]) -> list[list[dict[str, str]]]:
    return json.loads(message["reply_markup"])["inline_keyboard"]


def greeting(domain: dict[str, Any]) -> list[str]:
    return [helpers.text("greet"), helpers.text("menu_prompt")]


# --- Start-up and routes ---


def test_without_a_secret_token_the_webhook_is_registered_with_the_derived_one(telegram):
    (registration,) = telegram.api.calls_to("setWebhook")
    assert {k: v for k, v in registration.items() if k != "allowed_updates"} == {
        "url": WEBHOOK_URL,
        "secret_token": DERIVED_SECRET,
    }
    assert json.loads(registration["allowed_updates"]) == ALLOWED_UPDATES


def test_one_info_line_says_the_secret_is_derived_and_never_shows_it(telegram):
    (line,) = telegram.log_lines(DERIVED)
    assert "INFO" in line
    assert DERIVED_SECRET not in telegram.log()
    assert "not authenticated" not in telegram.log()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_set_webhook_route_is_gone(telegram, method):
    reply = requests.request(
        method,
        telegram.url + "/webhooks/telegram/set_webhook",
        headers={"X-Telegram-Bot-Api-Secret-Token": telegram.secret},
        timeout=30,
    )
    assert reply.status_code == 404
    assert telegram.api.attempts("setWebhook") == 1


def test_get_me_is_called_once_not_per_update(telegram, seed):
    for offset, (question, answer) in enumerate(seed[:3]):
        assert telegram.say(question, chat_id=1100 + offset) == [answer]
    assert telegram.api.attempts("getMe") == 1
    # FAQ_Test_Bot (Telegram) and "@faq_test_bot" (the setting) are the same name.
    assert "TELEGRAM_BOT_NAME is" not in telegram.log()


# --- Private chats ---


def test_a_seed_question_gets_its_exact_answer(telegram, seed):
    question, answer = seed[1]
    assert telegram.say(question, chat_id=1001) == [answer]
    assert telegram.user_texts("telegram:1001") == [question]


def test_a_typed_follow_up_leans_on_the_chats_last_answer(telegram):
    answers = helpers.answers_by_intent()
    chat_id = next(_ids)
    assert telegram.say("Who is enemy of South Korea?", chat_id) == [
        answers["faq_south_korea_enemy"]
    ]
    assert telegram.say("and for the North?", chat_id) == [answers["faq_north_korea_enemy"]]


@pytest.mark.parametrize("command", ["/start", "/start@FAQ_Test_Bot", "/start@faq_TEST_bot"])
def test_start_greets_with_the_menu(telegram, domain, command):
    chat_id = next(_ids)
    assert telegram.say(command, chat_id) == greeting(domain)
    events = telegram.tracker(f"telegram:{chat_id}")["events"]
    intents = [e["parse_data"]["intent"]["name"] for e in events if e["event"] == "user"]
    actions = [e["name"] for e in events if e["event"] == "action"]
    assert intents == ["greet"]
    assert "action_faq_fallback" not in actions


def test_the_users_language_code_is_the_first_hint_then_the_text_decides(telegram):
    """A Kazakh-speaking user's /start is greeted in Kazakh (language_code "kk"); a
    clear question in Russian then gets the Russian answer, and a tap stays in it."""
    chat_id = next(_ids)
    kazakh = {"id": chat_id, "is_bot": False, "first_name": "Aruzhan", "language_code": "kk"}
    assert telegram.say("/start", chat_id, **{"from": kazakh}) == [
        helpers.text("greet", "kk"),
        helpers.text("menu_prompt", "kk"),
    ]
    titles = [b["text"] for row in keyboard(telegram.api.sent_to(chat_id)[-1]) for b in row]
    assert titles == list(helpers.questions_by_intent("kk").values())
    ru = helpers.answers_by_intent("ru")
    question = "Сколько казахов живёт в Южной Корее?"
    assert telegram.say(question, chat_id, **{"from": kazakh}) == [ru["faq_kazakhs_in_korea"]]
    before = len(telegram.api.sent_to(chat_id))
    query = tap(chat_id, "/faq_south_korea_enemy", f"q{next(_ids)}")
    query["callback_query"]["from"] = kazakh
    assert telegram.post(query).status_code == 200
    texts = [m["text"] for m in telegram.api.sent_to(chat_id)[before:]]
    assert texts == [ru["faq_south_korea_enemy"]]


def test_a_command_for_another_bot_gets_no_reply(telegram):
    assert telegram.say("/start@other_bot", chat_id=1005) == []


def test_the_menu_has_one_question_per_row(telegram, domain):
    chat_id = 1002
    telegram.say("hello", chat_id)
    greeting_message, menu = telegram.api.sent_to(chat_id)
    assert [greeting_message["text"], menu["text"]] == greeting(domain)
    rows = keyboard(menu)
    assert all(len(row) == 1 for row in rows)
    buttons = [{"title": b["text"], "payload": b["callback_data"]} for (b,) in rows]
    assert buttons == helpers.question_buttons()


def test_a_button_tap_is_acknowledged_and_asks_its_question(telegram, seed):
    (button, *_), (_question, answer) = helpers.question_buttons(), seed[0]
    reply = telegram.post(tap(1003, button["payload"], "cb-1003"))
    assert reply.status_code == 200
    assert {"callback_query_id": "cb-1003"} in telegram.api.calls_to("answerCallbackQuery")
    assert [m["text"] for m in telegram.api.sent_to(1003)] == [answer]


def test_a_tap_on_a_refused_payload_is_still_acknowledged(telegram):
    reply = telegram.post(tap(1004, '/nlu_fallback{"max_chars": "<b>"}', "cb-1004"))
    assert reply.status_code == 200
    assert {"callback_query_id": "cb-1004"} in telegram.api.calls_to("answerCallbackQuery")
    assert telegram.api.sent_to(1004) == []


def test_a_typed_intent_payload_goes_through_the_input_rules(telegram, seed):
    intent = helpers.faq_intents()[2]
    assert telegram.say(f"/{intent}", chat_id=1007) == [seed[2][1]]


def test_an_over_long_message_gets_the_length_limit(telegram, domain, seed):
    question = seed[0][0]
    message = (question + " ") * (1 + helpers.MAX_USER_MESSAGE_CHARS // len(question))
    assert telegram.say(message, chat_id=1008) == [helpers.too_long_text()]


REFUSED_TEXTS = {
    "internal+entity": ('/nlu_fallback{"max_chars": "9"}', "intent 'nlu_fallback' is internal"),
    "internal": ("/restart", "intent 'restart' is internal"),
    "entities": ('/greet{"name": "x"}', "intent payloads from users carry no entities"),
    "blank": ("\x00\x01", "'message' must contain some text"),
}


@pytest.mark.parametrize("text, reason", REFUSED_TEXTS.values(), ids=REFUSED_TEXTS.keys())
def test_refused_text_is_dropped_with_a_log_line(telegram, text, reason):
    chat_id, dropped = next(_ids), telegram.drops(reason)
    assert telegram.say(text, chat_id) == []
    assert telegram.user_texts(f"telegram:{chat_id}") == []
    assert telegram.drops(reason) == dropped + 1


@pytest.mark.parametrize(
    "kind, message",
    [
        ("edited_message", {"text": "hello", "edit_date": 1}),
        ("channel_post", {"text": "hello"}),
        ("my_chat_member", {"new_chat_member": {"status": "member"}}),
    ],
    ids=["edited_message", "channel_post", "my_chat_member"],
)
def test_an_update_without_a_message_gets_a_200_and_no_reply(telegram, kind, message):
    chat_id = next(_ids)
    reply = telegram.post(update(message_from(chat_id, **message), kind))
    assert reply.status_code == 200
    assert telegram.api.sent_to(chat_id) == []


@pytest.mark.parametrize(
    "content",
    [
        {"sticker": {"file_id": "s1", "emoji": "👍"}},
        {"photo": [{"file_id": "p1", "width": 90, "height": 90}]},
        {"voice": {"file_id": "v1", "duration": 2}},
    ],
    ids=["sticker", "photo", "voice"],
)
def test_a_non_text_message_gets_the_text_only_reply(telegram, content):
    chat_id = next(_ids)
    reply = telegram.post(update(message_from(chat_id, **content)))
    assert reply.status_code == 200
    texts = [m["text"] for m in telegram.api.sent_to(chat_id)]
    assert texts == [helpers.text("text_only_reply")]


# --- Groups ---


def test_a_group_message_not_addressed_to_the_bot_gets_no_reply(telegram, seed):
    group = -100_001
    question = seed[0][0]
    assert telegram.say(question, group, user_id=501) == []
    assert telegram.say(f"{question} @someone_else", group, user_id=501) == []
    assert telegram.say("/start@other_bot", group, user_id=501) == []
    reply_to_a_user = {**message_from(group, user_id=502, text="hi"), "from": user(502)}
    assert telegram.say(question, group, user_id=501, reply_to_message=reply_to_a_user) == []
    telegram.post(update(message_from(group, user_id=501, sticker={"file_id": "s"})))
    assert telegram.api.sent_to(group) == []


@pytest.mark.parametrize("mention", ["@FAQ_Test_Bot", "@faq_test_bot", "@FAQ_TEST_BOT"])
def test_a_group_message_that_mentions_the_bot_is_answered(telegram, seed, mention):
    group, user_id = -100_002, next(_ids)
    question, answer = seed[3]
    assert telegram.say(f"{mention} {question}", group, user_id=user_id) == [answer]
    # The mention is not part of what NLU reads.
    assert telegram.user_texts(f"telegram:{group}:{user_id}") == [question]


def test_a_reply_to_the_bot_in_a_group_is_answered(telegram, seed):
    group = -100_003
    question, answer = seed[4]
    earlier = bot_message(group, helpers.text("menu_prompt"))
    assert telegram.say(question, group, user_id=601, reply_to_message=earlier) == [answer]


def test_a_command_in_a_group_greets(telegram, domain):
    assert telegram.say(f"/start@{BOT_USERNAME}", -100_004, user_id=701) == greeting(domain)


def test_two_users_in_a_group_have_separate_conversations(telegram, seed):
    group = -100_005
    (first, first_answer), (second, second_answer) = seed[5], seed[6]
    assert telegram.say(f"@{BOT_USERNAME} {first}", group, user_id=801) == [first_answer]
    assert telegram.say(f"{second} @{BOT_USERNAME}", group, user_id=802) == [second_answer]
    assert telegram.user_texts(f"telegram:{group}:801") == [first]
    assert telegram.user_texts(f"telegram:{group}:802") == [second]
    assert telegram.user_texts(f"telegram:{group}") == []


# --- Bad input ---

DEEP = '{"update_id": 1, "message": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}"
BAD_BODIES = {
    "not-json": b"{not json",
    "empty": b"",
    "list": b"[]",
    "deeply-nested": b"[" * 5000 + b"]" * 5000,
    "nested-beyond-the-limit": DEEP.encode(),
    "message-not-an-object": json.dumps({"update_id": 1, "message": "hello"}).encode(),
    "no-chat": json.dumps(update({"message_id": 1, "text": "hello"})).encode(),
}
BAD_IDS = {
    "string": "abc",
    "bool": True,
    "float": 1.5,
    "null": None,
    "huge": 10**200,
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_a_bad_body_is_dropped_with_a_200_and_the_bot_still_answers(telegram, seed, body):
    sent, dropped = len(telegram.api.calls_to("sendMessage")), telegram.drops()
    assert telegram.post(body, raw=True).status_code == 200
    assert len(telegram.api.calls_to("sendMessage")) == sent
    assert telegram.drops() == dropped + 1
    question, answer = seed[7]
    assert telegram.say(question, chat_id=next(_ids)) == [answer]


@pytest.mark.parametrize("bad_id", BAD_IDS.values(), ids=BAD_IDS.keys())
def test_a_bad_chat_or_user_id_is_dropped_with_a_200(telegram, seed, bad_id):
    sent, dropped = len(telegram.api.calls_to("sendMessage")), telegram.drops()
    question, answer = seed[8]
    in_private = message_from(1, text=question)
    in_private["chat"]["id"] = bad_id
    in_group = message_from(-100_006, user_id=1, text=f"@{BOT_USERNAME} {question}")
    in_group["from"]["id"] = bad_id
    for message in (in_private, in_group):
        assert telegram.post(update(message)).status_code == 200
    assert len(telegram.api.calls_to("sendMessage")) == sent
    assert telegram.drops() == dropped + 2
    assert telegram.say(question, chat_id=next(_ids)) == [answer]


# --- Secret ---


@pytest.mark.parametrize(
    "secret", [None, "wrong-secret", DERIVED_SECRET[:-1]], ids=["missing", "wrong", "prefix"]
)
def test_an_update_without_the_derived_secret_is_refused_and_changes_nothing(
    telegram, seed, secret
):
    """ "forget me" without the secret leaves the chat's conversation and sends
    nothing; the same update with the secret derived from the token is answered."""
    chat_id = next(_ids)
    question, answer = seed[0]
    assert telegram.say(question, chat_id) == [answer]
    sent = len(telegram.api.calls_to("sendMessage"))
    forget_me = update(message_from(chat_id, text="forget me"))

    assert telegram.post(forget_me, secret=secret).status_code == 403
    assert len(telegram.api.calls_to("sendMessage")) == sent
    assert telegram.user_texts(f"telegram:{chat_id}") == [question]

    assert telegram.post(forget_me, secret=DERIVED_SECRET).status_code == 200
    assert [m["text"] for m in telegram.api.sent_to(chat_id)] == [answer, helpers.text("forgotten")]
    assert telegram.user_texts(f"telegram:{chat_id}") == []


def test_telegram_is_off_without_its_settings(bot):
    # The shared bot runs without TELEGRAM_* variables: no webhook is served.
    reply = requests.post(bot.rasa.url + "/webhooks/telegram/webhook", json={}, timeout=10)
    assert reply.status_code == 404
    log = bot.rasa.log.read_text(errors="replace")
    assert log.count("Telegram channel off: TELEGRAM_TOKEN") == 1


def test_a_malformed_token_turns_the_channel_off(monkeypatch, caplog):
    monkeypatch.setenv("TELEGRAM_TOKEN", "not-a-bot-token")
    monkeypatch.setenv("TELEGRAM_BOT_NAME", "faq_test_bot")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", WEBHOOK_URL)
    channel = EnvTelegramInput.from_credentials(None)
    assert isinstance(channel, DisabledChannel)
    assert "Telegram channel off: TELEGRAM_TOKEN is not a bot token" in caplog.text


# --- Long replies (the output channel against the fake Bot API) ---


def long_text(seed: list[tuple[str, str]]) -> str:
    """Paragraphs, a line of words longer than a message, and a word longer than one."""
    answers = [answer for _question, answer in seed]
    paragraphs = "\n\n".join(answers * 12)
    one_line = " ".join(answers * 30)
    return "\n\n".join([paragraphs, one_line, "x" * (TELEGRAM_MAX_REPLY_CHARS + 10), answers[0]])


def cuts(pieces: list[str], text: str) -> list[str]:
    """What lies between consecutive ``pieces`` in ``text``, asserting that they
    are ``text`` in order with nothing but white space left out."""
    gaps, at = [], 0
    for piece in pieces:
        start = at + len(text[at:]) - len(text[at:].lstrip())
        assert piece and text.startswith(piece, start)
        gaps.append(text[at:start])
        at = start + len(piece)
    assert not text[at:].strip()
    return gaps[1:]


def split(text: str) -> list[str]:
    return split_text(text, TELEGRAM_MAX_REPLY_CHARS)


def test_a_long_text_is_split_at_paragraphs_then_lines_then_words(seed):
    answers = [answer for _question, answer in seed]
    paragraphs = "\n\n".join(answers * 20)
    pieces = split(paragraphs)
    assert len(pieces) > 1
    assert all(len(p) <= TELEGRAM_MAX_REPLY_CHARS for p in pieces)
    assert set(cuts(pieces, paragraphs)) == {"\n\n"}
    lines = "\n".join(answers * 20)
    assert set(cuts(split(lines), lines)) == {"\n"}
    words = " ".join(answers * 20)
    assert set(cuts(split(words), words)) == {" "}
    word = "x" * (2 * TELEGRAM_MAX_REPLY_CHARS + 1)
    assert [len(p) for p in split(word)] == [TELEGRAM_MAX_REPLY_CHARS, TELEGRAM_MAX_REPLY_CHARS, 1]
    assert split(answers[0]) == [answers[0]]


async def test_a_long_reply_is_sent_in_pieces_that_lose_only_the_space_at_the_cuts(seed):
    api = FakeBotApi().start()
    output = ConfigurableTelegramOutput(TOKEN, api.base_url)
    text = long_text(seed)
    buttons = helpers.question_buttons()
    try:
        await output.send_response("telegram:-100900:5", {"text": text, "buttons": buttons})
    finally:
        await output.session.close()
        api.stop()
    sent = api.sent_to(-100900)
    assert len(sent) > 3
    assert all(len(m["text"]) <= TELEGRAM_MAX_REPLY_CHARS for m in sent)
    assert set(cuts([m["text"] for m in sent], text)) <= {"\n\n", "\n", " ", ""}
    # The buttons come with the last piece.
    assert ["reply_markup" in m for m in sent] == [False] * (len(sent) - 1) + [True]
    assert [b["callback_data"] for (b,) in keyboard(sent[-1])] == [b["payload"] for b in buttons]


# --- Start-up failures ---


@pytest.fixture(scope="module")
def failing_api() -> FakeBotApi:
    api = FakeBotApi().start()
    api.fail("getMe", TOO_MANY_REQUESTS)
    api.fail("setWebhook", TIME_OUT)
    yield api
    api.stop()


@pytest.fixture(scope="module")
def started_while_failing(tmp_path_factory, failing_api) -> TelegramBot:
    """A bot started while the Bot API fails: its own secret, another bot's name, short retries."""
    secret = secrets.token_urlsafe(24)
    processes, token = start_telegram(
        tmp_path_factory.mktemp("telegram-failing"),
        failing_api,
        TELEGRAM_BOT_NAME="someone_else_bot",
        TELEGRAM_SECRET_TOKEN=secret,
        TELEGRAM_API_TIMEOUT="1",
        TELEGRAM_RETRY_MAX_SECONDS="2",
    )
    yield TelegramBot(failing_api, processes, secret, token)
    processes.stop()


def wait_for_log(bot: TelegramBot, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while text not in bot.log():
        assert time.monotonic() < deadline, f"not in the log after {timeout} s: {text!r}"
        time.sleep(0.2)


def test_start_up_failures_are_retried_while_the_other_channels_work(started_while_failing, seed):
    bot, api = started_while_failing, started_while_failing.api
    question, answer = seed[0]
    rest = requests.post(
        bot.url + "/webhooks/rest/webhook", json={"sender": "s", "message": question}, timeout=60
    )
    assert [m["text"] for m in rest.json()] == [answer]
    wait_for_log(bot, "Telegram getMe failed (RetryAfter: Flood control exceeded.")
    wait_for_log(bot, "Telegram setWebhook failed (TimeoutError); the other channels are running.")
    assert "Retrying in " in bot.log()
    assert api.calls_to("setWebhook") == [] and api.calls_to("getMe") == []

    api.recover("getMe")
    api.recover("setWebhook")
    api.wait_for(lambda: api.calls_to("setWebhook") and api.calls_to("getMe"), timeout=30)
    (registration,) = api.calls_to("setWebhook")
    assert registration == {
        "url": WEBHOOK_URL,
        "allowed_updates": json.dumps(ALLOWED_UPDATES),
        "secret_token": bot.secret,
    }
    wait_for_log(bot, f"Telegram webhook registered: {WEBHOOK_URL}")
    # getMe told the bot its real name: an error, and mentions of the real name work.
    wait_for_log(bot, "TELEGRAM_BOT_NAME is 'someone_else_bot' but TELEGRAM_TOKEN belongs to")
    assert "ERROR" in bot.log_lines("TELEGRAM_BOT_NAME is")[0]
    question, answer = seed[1]
    assert bot.say(f"@{BOT_USERNAME} {question}", -100_007, user_id=9) == [answer]


def test_an_explicit_secret_token_wins_over_the_derived_one(started_while_failing, seed):
    bot, chat_id = started_while_failing, next(_ids)
    reply = bot.post(update(message_from(chat_id, text=seed[0][0])), secret=DERIVED_SECRET)
    assert reply.status_code == 403
    assert bot.api.sent_to(chat_id) == []
    assert bot.log_lines(DERIVED) == []
