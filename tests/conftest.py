from __future__ import annotations

import secrets
import uuid
from typing import Any

import pytest
import requests

from tests import helpers
from tools.support.processes import start_bot


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return helpers.load_yaml(helpers.DOMAIN_FILE)


@pytest.fixture(scope="session")
def seed() -> list[tuple[str, str]]:
    return helpers.load_seed()


class Bot:
    """The running bot, spoken to over HTTP on loopback."""

    def __init__(self, processes, token: str, db: str) -> None:
        self.processes = processes
        self.actions = processes.actions
        self.rasa = processes.rasa
        self.web = processes.web
        self.token = token
        self.db = db
        self.webhook = self.rasa.url + "/webhooks/rest/webhook"

    def post_raw(self, body: bytes | str, **kwargs: Any) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        return requests.post(self.webhook, data=body, headers=headers, timeout=60, **kwargs)

    def say(self, text: str, sender: str | None = None) -> list[dict[str, Any]]:
        sender = sender or uuid.uuid4().hex
        reply = requests.post(self.webhook, json={"sender": sender, "message": text}, timeout=60)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def texts(self, text: str, sender: str | None = None) -> list[str]:
        return [m.get("text") for m in self.say(text, sender)]

    def parse(self, text: str) -> dict[str, Any]:
        reply = requests.post(
            self.rasa.url + "/model/parse",
            params={"token": self.token},
            json={"text": text},
            timeout=60,
        )
        reply.raise_for_status()
        return reply.json()

    def tracker(self, sender: str, channel: str = "rest") -> dict[str, Any]:
        """The conversation of ``sender`` on ``channel`` (ids are namespaced by channel)."""
        return helpers.fetch_tracker(self.rasa.url, self.token, f"{channel}:{sender}")


@pytest.fixture(scope="session")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Bot:
    workdir = tmp_path_factory.mktemp("bot")
    token = secrets.token_hex(16)
    processes = start_bot(workdir, token)
    yield Bot(processes, token, str(workdir / "tracker.db"))
    processes.stop()
