#!/usr/bin/env bash
# Start the action server and the Rasa server in the foreground; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p var

echo "==> Starting the action server on :${ACTIONS_PORT} and Rasa on :${RASA_PORT} (Ctrl-C stops both)"
"$BIN/python" -m rasa_sdk --actions actions --port "$ACTIONS_PORT" &
actions_pid=$!
"$BIN/python" -m rasa run --model models/faq.tar.gz --endpoints endpoints.yml \
  --credentials credentials.yml --port "$RASA_PORT" &
rasa_pid=$!

stop() {
  trap - INT TERM
  kill -TERM "$actions_pid" "$rasa_pid" "$waiter_pid" 2>/dev/null || true
  wait "$actions_pid" "$rasa_pid" "$waiter_pid" 2>/dev/null || true
  echo "==> Stopped."
}
waiter_pid=
trap 'stop; exit 0' INT TERM

(
  start=$SECONDS
  until curl -sf "http://localhost:${RASA_PORT}/webhooks/rest/" >/dev/null &&
    curl -sf "http://localhost:${ACTIONS_PORT}/health" >/dev/null; do
    sleep 1
  done
  echo "==> Ready after $((SECONDS - start)) s: POST http://localhost:${RASA_PORT}/webhooks/rest/webhook"
) &
waiter_pid=$!

# Whichever server exits first (a crash, or Ctrl-C), stop the other one too.
set +e
wait -n "$actions_pid" "$rasa_pid"
status=$?
stop
exit "$status"
