#!/usr/bin/env bash
# Fetch rasa-webchat 1.0.1's ready bundle (lib/index.js, React included) and its
# LICENSE with `npm pack`, checking the tarball's sha256. We do not
# `npm install rasa-webchat`: its dependency list pulls in ~590 packages.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/webchat
sha256=cd2a8ee5211df95c626fc78bcf9d7d3a50368eacd43c7154476d29e519d42685
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent rasa-webchat@1.0.1 >/dev/null)
echo "$sha256  $tmp/rasa-webchat-1.0.1.tgz" | sha256sum --check --quiet
tar -xzf "$tmp/rasa-webchat-1.0.1.tgz" -C "$tmp" package/lib/index.js package/LICENSE
mkdir -p "$out"
cp "$tmp/package/lib/index.js" "$out/index.js"
cp "$tmp/package/LICENSE" "$out/LICENSE"
echo "rasa-webchat 1.0.1 bundle in $out ($(wc -c <"$out/index.js") bytes, Apache-2.0)"
