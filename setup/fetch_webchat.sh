#!/usr/bin/env bash
# Fetch rasa-webchat 1.0.1's ready bundle (lib/index.js, React included) and its
# LICENSE with `npm pack`, checking the tarball's sha256. We do not
# `npm install rasa-webchat`: its dependency list pulls in ~590 packages.
# The bundle's stylesheets @import the Inter font from Google Fonts; those imports
# are removed (the page uses a system font), so the page requests nothing from
# another host. The socket is opened with the websocket transport only (the
# bundle passes socket.io nothing but the path, so it polled over HTTP first):
# a websocket is one connection, served by one of the Rasa server's processes
# (SANIC_WORKERS), while HTTP polls may reach another process, which does not
# know the session (channels/socketio.py).
# Usage: setup/fetch_webchat.sh [DIR]  (default build/webchat)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/webchat}
sha256=cd2a8ee5211df95c626fc78bcf9d7d3a50368eacd43c7154476d29e519d42685
font_import='@import url(https://fonts.googleapis.com/css?family=Inter:400,500,700&display=swap);'
font_imports=11
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent rasa-webchat@1.0.1 >/dev/null)
echo "$sha256  $tmp/rasa-webchat-1.0.1.tgz" | sha256sum --check --quiet
tar -xzf "$tmp/rasa-webchat-1.0.1.tgz" -C "$tmp" package/lib/index.js package/LICENSE
bundle=$tmp/package/lib/index.js
found=$(grep -oF "$font_import" "$bundle" | wc -l)
if [[ $found -ne $font_imports ]]; then
  echo "expected $font_imports Google Fonts imports in the bundle, found $found" >&2
  exit 1
fi
sed -i 's|@import url(https://fonts\.googleapis\.com/css?family=Inter:400,500,700&display=swap);||g' "$bundle"
if grep -qF fonts.googleapis.com "$bundle"; then
  echo "the bundle still refers to fonts.googleapis.com" >&2
  exit 1
fi
socket_options='var r=n?{path:n}:{}'
if [[ $(grep -oF "$socket_options" "$bundle" | wc -l) -ne 1 ]]; then
  echo "expected the socket.io options once in the bundle" >&2
  exit 1
fi
sed -i 's|var r=n?{path:n}:{}|var r=n?{path:n,transports:["websocket"]}:{transports:["websocket"]}|' "$bundle"
mkdir -p "$out"
cp "$bundle" "$out/index.js"
cp "$tmp/package/LICENSE" "$out/LICENSE"
echo "rasa-webchat 1.0.1 bundle in $out ($(wc -c <"$out/index.js") bytes, Apache-2.0, Google Fonts imports removed, websocket transport)"
