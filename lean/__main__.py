"""``python -m lean run|shell|test ... --model M``: the one way this bot starts Rasa.

1. Installs the inert TensorFlow stand-in (lean/__init__.py, also for a few
   packages of features the bot does not use) and refuses a model that needs
   TensorFlow, or endpoints and credentials that need those packages.
2. Installs the bot's changes to Rasa (``patches.install()``, patches/),
   fills each unset setting with its default (bot/settings.py), and escapes
   every log record's message (bot/printable.py: whatever a user typed prints
   as one line, with no terminal control or bidi characters).
3. Runs Rasa's own ``main()`` with the same arguments.

`make run`, `make shell`, the tests and `make bench` all start Rasa here, so
they get the same changes (tests/test_shell.py shows it for the shell).
"""

import sys

from lean import check_config, check_model, install

install()
check_model(sys.argv)
check_config(sys.argv)

# Loading the LogisticRegression model imports skops.io, which on import looks up
# the module of every type it trusts by scanning sys.modules (pickle.whichmodule).
# Imported before Rasa's 3,000 modules are loaded, that takes 1.1 s instead of
# 2.9 s (measured): a profile of the start-up put 47% of it there.
import skops.io  # noqa: E402, F401

import patches  # noqa: E402
from bot import printable, settings  # noqa: E402

patches.install()
settings.fill_environment()  # endpoints.yml refers to settings by name
printable.install_log_escaping()

from rasa.__main__ import main  # noqa: E402

main()
