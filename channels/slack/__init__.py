"""Rasa's Slack channel, configured from the environment and hardened
(credentials.yml names ``channels.slack.EnvSlackInput``).

- ``config``: the ``SLACK_*`` settings;
- ``input``: the webhook (the signature check, events and button clicks,
  redeliveries answered once);
- ``parsing``: reading a request body;
- ``output``: sending replies (Block Kit buttons, Slack's limits, rate limits
  and refused posts);
- ``escaping``: Slack's ``&``, ``<``, ``>`` escapes, both ways.

Each module says why it differs from stock Rasa 3.6; docs/channels.md has the
set-up and the full comparison.
"""

from channels.slack.config import DEFAULT_API_BASE_URL
from channels.slack.escaping import escape_text, escaped_length, unescape_text
from channels.slack.input import EnvSlackInput
from channels.slack.output import (
    MAX_RETRY_AFTER_S,
    SLACK_MAX_SECTION_CHARS,
    SLACK_MAX_TEXT_CHARS,
    ConfigurableSlackBot,
    retry_after,
)

__all__ = [
    "DEFAULT_API_BASE_URL",
    "MAX_RETRY_AFTER_S",
    "SLACK_MAX_SECTION_CHARS",
    "SLACK_MAX_TEXT_CHARS",
    "ConfigurableSlackBot",
    "EnvSlackInput",
    "escape_text",
    "escaped_length",
    "retry_after",
    "unescape_text",
]
