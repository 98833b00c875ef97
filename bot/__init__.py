"""What the whole bot shares, the Rasa server and the action server alike: the
repository's paths (``bot.paths``), every setting with its one default
(``bot.settings``), the content every reply comes from (``bot.content``), the
languages and how a message's is told, "forget me" and erasure, and log-safe text."""
