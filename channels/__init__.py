"""Input channels of the FAQ bot.

Rasa imports this package at start, for the channel classes named in
credentials.yml; that is also where the bot's changes to Rasa's own behaviour
are installed:

- a failed call to the action server gets the reply "temporarily unavailable"
  instead of silence (channels/unavailable.py);
- action server responses are validated with one compiled JSON schema
  validator instead of building one per message (channels/action_validation.py).
"""

from channels.action_validation import install as _install_one_validator
from channels.unavailable import install as _install_unavailable_reply

_install_unavailable_reply()
_install_one_validator()
