"""The bot's own NLU components, named in config.yml's pipeline.

- ``subject_guard``: ``SubjectGuard``, no FAQ answer to a question that does not name
  what the answer is about (word lists: data/concepts*.yml).
"""
