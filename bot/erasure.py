"""What "forget me" is called, for both servers.

The action server runs ``action_forget_me`` (actions/forget.py): it deletes the
user's rows in the unanswered log and confirms. The Rasa server's tracker
store (stores/tracker_store.py) sees that action in the turn it saves and
deletes the conversation instead of saving it.
"""

INTENT = "forget_me"
ACTION = "action_forget_me"
