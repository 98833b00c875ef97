"""Every setting the bot reads from the environment, with its one default.

The code reads a setting through ``get(name)``; nothing else in the repository
spells a default. The launcher (lean/) fills the defaults into the environment
before Rasa reads endpoints.yml (whose variable references must be set), and
``python -m bot.settings`` prints them as shell ``export`` lines for the scripts
that start the servers; the Makefile passes on only what the user sets.
``.env.example`` documents each one (tests/test_settings.py checks both ways).

A default may name other settings in braces (``http://localhost:{RASA_PORT}``).
An empty default means "unset": the feature it configures is off, except for
the secrets in ``GENERATED``: left unset, each is made once, at random, and kept
in ``var/secrets/<NAME>`` (mode 0600), so every process of this machine agrees
on it and a restart keeps it. Several machines must share one: set it.
"""

from __future__ import annotations

import os
import secrets
import shlex
import time

from bot.paths import ROOT

DEFAULTS: dict[str, str] = {
    # Ports and addresses of the three servers `make run` starts.
    "RASA_PORT": "5005",
    "ACTIONS_PORT": "5055",
    "WEB_PORT": "8080",
    "WEB_HOST": "0.0.0.0",
    "RASA_PUBLIC_URL": "http://localhost:{RASA_PORT}",
    "WEB_PUBLIC_URL": "",
    "WEB_CHAT_ORIGINS": "",
    "ACTION_ENDPOINT_URL": "http://127.0.0.1:{ACTIONS_PORT}/webhook",
    # The action server answers the Rasa server only: loopback, and a shared secret.
    "ACTIONS_HOST": "127.0.0.1",
    "ACTION_SERVER_TOKEN": "",
    # The largest call Rasa sends it, measured, with margin (docs/limits.md).
    "ACTIONS_MAX_BODY_BYTES": "1048576",
    # Stores.
    "TRACKER_STORE_URL": "sqlite:///var/tracker.db",
    "CONVERSATION_RETENTION_DAYS": "30",
    "LOCK_STORE_TYPE": "stores.lock_store.SQLiteLockStore",
    # Rasa reads it itself: the Rasa server's processes (one per core of the 2-core
    # machine; more than 1 needs a shared lock store, as the default is).
    "SANIC_WORKERS": "2",
    "REDIS_HOST": "localhost",
    "REDIS_PORT": "6379",
    "REDIS_DB": "1",
    "REDIS_PASSWORD": "",
    # Limits and failures.
    "SANIC_REQUEST_MAX_SIZE": "65536",
    "FAQ_MAX_MESSAGE_CHARS": "1000",
    "ACTION_SERVER_TIMEOUT": "10",
    # Security.
    "RASA_API_TOKEN": "",
    # Signs the socket.io session ids the Rasa server issues (channels/socketio.py).
    "SESSION_SECRET": "",
    # Answer quality (the action server).
    "FAQ_CONTENT_DIR": "content",  # relative to the repository, or absolute
    "FAQ_FOLLOW_UPS": "true",
    "FAQ_SUGGEST_MIN_CONFIDENCE": "0.3",
    "FAQ_LOG_ANSWERS_BELOW": "0.8",
    "UNANSWERED_DB_URL": "",
    "UNANSWERED_RETENTION_DAYS": "90",
    # Telegram (off unless TELEGRAM_TOKEN, TELEGRAM_BOT_NAME, TELEGRAM_WEBHOOK_URL).
    "TELEGRAM_TOKEN": "",
    "TELEGRAM_BOT_NAME": "",
    "TELEGRAM_WEBHOOK_URL": "",
    "TELEGRAM_SECRET_TOKEN": "",
    "TELEGRAM_API_BASE_URL": "",
    "TELEGRAM_API_TIMEOUT": "10",
    "TELEGRAM_RETRY_MAX_SECONDS": "300",
    # Slack (off unless SLACK_TOKEN and SLACK_SIGNING_SECRET).
    "SLACK_TOKEN": "",
    "SLACK_SIGNING_SECRET": "",
    "SLACK_API_BASE_URL": "https://slack.com/api/",
}


# Secrets made on first use when unset (see the module doc).
GENERATED = ("ACTION_SERVER_TOKEN", "SESSION_SECRET")
SECRETS_DIR = ROOT / "var" / "secrets"


def get(name: str) -> str:
    """The setting's value: the environment's if set and not empty, else its default."""
    value = os.environ.get(name, "")
    if value:
        return value
    if name in GENERATED:
        return generated(name)
    return DEFAULTS[name].format_map(_Resolver())


def generated(name: str) -> str:
    """The secret kept in ``SECRETS_DIR/name``, made on first use."""
    path = SECRETS_DIR / name
    if not path.exists():
        SECRETS_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:  # O_EXCL: of two processes making it at once, one wins, both read it
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(32))
    for _ in range(100):  # the other process may still be writing it
        value = path.read_text().strip()
        if value:
            return value
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty: delete it, or set {name}")


def get_int(name: str) -> int:
    return int(get(name))


def get_float(name: str) -> float:
    return float(get(name))


class _Resolver(dict):
    def __missing__(self, key: str) -> str:
        return get(key)


def resolved() -> dict[str, str]:
    """Every setting with its value (environment, else default)."""
    return {name: get(name) for name in DEFAULTS}


def fill_environment() -> None:
    """Set every unset setting to its default in ``os.environ`` (endpoints.yml references them)."""
    for name, value in resolved().items():
        if not os.environ.get(name):
            os.environ[name] = value


def main() -> None:
    """Print ``export NAME=value`` for each setting the environment leaves unset."""
    for name, value in resolved().items():
        if not os.environ.get(name):
            print(f"export {name}={shlex.quote(value)}")


if __name__ == "__main__":
    main()
