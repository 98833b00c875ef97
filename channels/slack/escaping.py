"""Slack's escaping of message text: ``&``, ``<`` and ``>`` are its markup.

Why: text sent unescaped is read as Slack markup (``<…>`` as a link or a
mention such as ``<!channel>``), and text Slack delivers arrives escaped, so it
is unescaped before NLU. Stock Rasa 3.6 does neither (docs/channels.md).
"""

from __future__ import annotations


def escape_text(text: str) -> str:
    """Escape the three characters Slack reserves for its own markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape_text(text: str) -> str:
    """Undo the escaping Slack applies to message text it delivers."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def escaped_length(text: str) -> int:
    """The length Slack counts: that of the text as sent, escaped."""
    return len(escape_text(text))
