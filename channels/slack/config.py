"""What the Slack channel takes from the environment (see .env.example).

- On only when ``SLACK_TOKEN`` (the bot token, ``xoxb-…``) and
  ``SLACK_SIGNING_SECRET`` are set; otherwise off, with one log line, and the
  bot runs without it (``/webhooks/slack/…`` does not exist).
- ``SLACK_API_BASE_URL`` points the Web API client at another server (a fake
  one in tests); the default is ``https://slack.com/api/``.

The values in credentials.yml are ignored: secrets stay out of the repository.
"""

from __future__ import annotations

from typing import Any

from bot import settings

CHANNEL = "slack"
REQUIRED = ("SLACK_TOKEN", "SLACK_SIGNING_SECRET")
DEFAULT_API_BASE_URL = settings.DEFAULTS["SLACK_API_BASE_URL"]


def from_environment() -> dict[str, Any]:
    """``EnvSlackInput``'s arguments, from the ``SLACK_*`` settings."""
    return {
        "slack_token": settings.get("SLACK_TOKEN"),
        "slack_signing_secret": settings.get("SLACK_SIGNING_SECRET"),
        "api_base_url": settings.get("SLACK_API_BASE_URL"),
    }
