#!/usr/bin/env bash
# Talk to the bot in the terminal; the action server runs in the background.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p var
# Each setting the environment leaves unset gets its default (bot/settings.py).
eval "$("$BIN/python" -m bot.settings)"

# The body cap is the Rasa server's (public side); Rasa sends the action server the
# whole conversation, which outgrows 64 KiB in long sessions: no cap there.
env -u SANIC_REQUEST_MAX_SIZE "$BIN/python" -m rasa_sdk --actions actions --port "$ACTIONS_PORT" >var/actions-shell.log 2>&1 &
actions_pid=$!
trap 'kill "$actions_pid" 2>/dev/null || true' EXIT
until curl -sf "http://localhost:${ACTIONS_PORT}/health" >/dev/null; do sleep 0.5; done

# The shell reads the terminal: one process (SANIC_WORKERS would fork it).
SANIC_WORKERS=1 "$BIN/python" -m lean shell --model models/faq.tar.gz --endpoints endpoints.yml
