"""What the whole bot shares: the repository's paths (``bot.paths``) and every
setting it reads from the environment, with its one default (``bot.settings``)."""
