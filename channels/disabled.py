"""A channel whose settings are missing is off: it serves nothing and says so once."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from typing import Any

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint

logger = logging.getLogger(__name__)


class DisabledChannel(InputChannel):
    """Stands in for a channel that is off: its webhook URLs do not exist (404)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def url_prefix(self) -> str:
        return self.channel

    def blueprint(self, on_new_message: Any) -> Blueprint:
        return Blueprint(f"{self.channel}_disabled", url_prefix=f"/webhooks/{self.channel}")


def missing_settings(required: Iterable[str]) -> list[str]:
    """The environment variables in ``required`` that are unset or empty."""
    return [name for name in required if not os.environ.get(name)]


def disabled(channel: str, label: str, missing: list[str]) -> DisabledChannel:
    """Log the one line that says why ``channel`` is off, and stand in for it."""
    logger.info("%s channel off: %s not set.", label, ", ".join(missing))
    return DisabledChannel(channel)
