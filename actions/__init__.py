"""Custom actions of the FAQ bot, one module per concern.

- ``catalog``: how an FAQ intent maps to its answer response in ``domain.yml``.
- ``faq``: ``action_answer_faq`` answers the latest FAQ intent.
- ``fallback``: ``action_faq_fallback`` says what the bot can answer.

All user-facing text lives in ``domain.yml``; the actions only name responses.
"""
