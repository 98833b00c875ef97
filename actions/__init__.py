"""Custom actions of the FAQ bot, one module per concern.

- ``content``: reads the FAQ (questions and answers) from ``content/faq.yml``.
- ``base``: ``ContentAction``, the shared shape of the actions below.
- ``faq``: ``action_answer_faq`` answers the latest FAQ intent.
- ``menu``: ``action_show_questions`` offers the nine questions as buttons.
- ``fallback``: ``action_faq_fallback`` says what the bot can answer.

User-facing text lives in ``content/faq.yml`` and ``domain.yml``, never in code.
"""
