"""Custom actions of the FAQ bot, one module per concern.

- ``settings``: the action server's settings, from the environment.
- ``suggest``: which questions to offer when NLU is unsure ("did you mean").
- ``unanswered``: the log of questions the bot could not answer (``UnansweredLog``,
  one ``UnansweredQuestion`` per row of ``unanswered_questions``; `make review`).
- ``base``: ``ContentAction``, the shared shape of the actions below.
- ``faq``: ``action_answer_faq`` answers the latest FAQ intent, with follow-ups.
- ``menu``: the questions as buttons, and the fallback reply (used by the actions).
- ``fallback``: ``action_faq_fallback``: "did you mean", or what the bot can answer.
- ``follow_up``: ``action_follow_up`` answers "how about Kyrgyzstan?" from the topic.
- ``none_of_these``: ``action_none_of_these`` apologises and logs the question.
- ``small_talk``: ``action_small_talk`` (greet, help, thanks, goodbye, "are you a bot?",
  the language switch) and ``action_message_too_long``.
- ``language``: which language a message is in, and which to reply in.

User-facing text lives in ``content/`` (in every language), never in code;
bot/content.py reads it, for the actions and for the Rasa server's own replies.
"""
