"""Starting the bot's processes and throw-away databases on loopback: the tests' harness
and the benchmark's (tools/ never imports tests/: tests/test_layout.py)."""
