"""Input channels of the FAQ bot (credentials.yml names them).

This package holds channels only. The bot's changes to Rasa's own behaviour
live in ``patches/``, which the launcher (``python -m lean``) installs.
What every channel checks before a message reaches Rasa (conversation ids,
text, metadata, intent payloads) is in ``channels/inbound.py``.
"""
