"""The test harness: starting the bot's processes and throw-away databases on loopback."""
