"""``python -m lean run --model M ...``: Rasa's command line without TensorFlow.

Installs the inert stand-in (lean/__init__.py), refuses a model that needs
TensorFlow, then runs Rasa's own ``main()`` with the same arguments.
"""

import sys

from lean import check_model, install

install()
check_model(sys.argv)

from rasa.__main__ import main  # noqa: E402

main()
