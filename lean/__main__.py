"""``python -m lean run --model M ...``: Rasa's command line without TensorFlow.

Installs the inert stand-in (lean/__init__.py), refuses a model that needs
TensorFlow, then runs Rasa's own ``main()`` with the same arguments.
"""

import sys

from lean import check_model, install

install()
check_model(sys.argv)

# Loading the LogisticRegression model imports skops.io, which on import looks up
# the module of every type it trusts by scanning sys.modules (pickle.whichmodule).
# Imported before Rasa's 3,000 modules are loaded, that takes 1.1 s instead of
# 2.9 s (measured): a profile of the start-up put 47% of it there.
import skops.io  # noqa: E402, F401
from rasa.__main__ import main  # noqa: E402

main()
