"""The bot's own NLU components, named in config.yml's pipeline.

- ``language_router``: ``LanguageRoutedClassifier``, the intent classifier: English
  questions to one trained on English alone, the rest to one trained on all languages.
- ``subject_guard``: ``SubjectGuard``, no FAQ answer to a question that does not name
  what the answer is about (word lists: data/concepts*.yml).
"""
