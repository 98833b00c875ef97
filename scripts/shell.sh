#!/usr/bin/env bash
# Talk to the bot in the terminal; the action server runs in the background.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p var
# Each setting the environment leaves unset gets its default (bot/settings.py).
eval "$("$BIN/python" -m bot.settings)"

# The action server as make run starts it (scripts/actions.py: loopback, and
# only calls that carry ACTION_SERVER_TOKEN, which endpoints.yml makes Rasa send).
"$BIN/python" -m scripts.actions >var/actions-shell.log 2>&1 &
actions_pid=$!
trap 'kill "$actions_pid" 2>/dev/null || true' EXIT
until curl -sf "http://localhost:${ACTIONS_PORT}/health" >/dev/null; do sleep 0.5; done

# The shell reads the terminal: one process (SANIC_WORKERS would fork it).
SANIC_WORKERS=1 "$BIN/python" -m lean shell --model models/faq.tar.gz --endpoints endpoints.yml
