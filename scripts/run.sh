#!/usr/bin/env bash
# Start the action server, the Rasa server and the web chat page in the foreground;
# Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p var
# Each setting the environment leaves unset gets its default (bot/settings.py).
eval "$("$BIN/python" -m bot.settings)"

# Rasa's HTTP API (trackers, /model/parse, ...) only behind a token: on when
# RASA_API_TOKEN is set, off otherwise (the channels' webhooks work either way).
api_args=()
if [[ -n "${RASA_API_TOKEN:-}" ]]; then
  api_args=(--enable-api --auth-token "$RASA_API_TOKEN")
fi

echo "==> Starting the action server on :${ACTIONS_PORT}, Rasa on :${RASA_PORT} (${SANIC_WORKERS:-1} processes) and the web chat on :${WEB_PORT} (Ctrl-C stops all)"
if [[ ${#api_args[@]} -gt 0 ]]; then
  echo "==> Rasa HTTP API on, behind RASA_API_TOKEN"
else
  echo "==> Rasa HTTP API off (set RASA_API_TOKEN to turn it on)"
fi
# The action server on ACTIONS_HOST (loopback), answering only calls that carry
# ACTION_SERVER_TOKEN (made above if unset; endpoints.yml makes Rasa send it).
"$BIN/python" -m scripts.actions &
actions_pid=$!
# `-m lean`: Rasa without TensorFlow, which our model does not use (lean/).
"$BIN/python" -m lean run --model models/faq.tar.gz --endpoints endpoints.yml \
  --credentials credentials.yml --port "$RASA_PORT" "${api_args[@]}" &
rasa_pid=$!
"$BIN/python" -m scripts.web &
web_pid=$!

stop() {
  trap - INT TERM
  kill -TERM "$actions_pid" "$rasa_pid" "$web_pid" "$waiter_pid" 2>/dev/null || true
  # Rasa's processes (SANIC_WORKERS) ignore a stop while they load the model:
  # whatever is left after 15 s is killed.
  for _ in $(seq 30); do kill -0 "$rasa_pid" 2>/dev/null || break; sleep 0.5; done
  pkill -KILL -P "$rasa_pid" 2>/dev/null || true
  kill -KILL "$rasa_pid" 2>/dev/null || true
  wait "$actions_pid" "$rasa_pid" "$web_pid" "$waiter_pid" 2>/dev/null || true
  echo "==> Stopped."
}
waiter_pid=
trap 'stop; exit 0' INT TERM

(
  start=$SECONDS
  until curl -sf "http://localhost:${RASA_PORT}/webhooks/rest/" >/dev/null &&
    curl -sf "http://localhost:${ACTIONS_PORT}/health" >/dev/null &&
    curl -sf "http://localhost:${WEB_PORT}/health" >/dev/null; do
    sleep 1
  done
  echo "==> Ready after $((SECONDS - start)) s: chat at http://localhost:${WEB_PORT}/ or POST http://localhost:${RASA_PORT}/webhooks/rest/webhook"
) &
waiter_pid=$!

# Whichever server exits first (a crash, or Ctrl-C), stop the others too.
set +e
wait -n "$actions_pid" "$rasa_pid" "$web_pid"
status=$?
stop
exit "$status"
