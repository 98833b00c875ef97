"""Input channels of the FAQ bot.

Rasa imports this package at start, for the channel classes named in
credentials.yml; that is also where the bot's one change to Rasa's own
behaviour is installed: a failed call to the action server gets the reply
"temporarily unavailable" instead of silence (channels/unavailable.py).
"""

from channels.unavailable import install as _install_unavailable_reply

_install_unavailable_reply()
