#!/usr/bin/env bash
# Install the Debian packages a target needs, when they are missing.
#   setup/system_packages.sh run    curl (readiness checks), npm (the web chat bundle)
#   setup/system_packages.sh test   the above, and chromium (browser test),
#                                   postgresql and redis-server (scale-out, fuzz tests)
# As root it runs apt-get itself; otherwise it prints the one command to run and
# exits 1. `make run`, `make test` and so .ci/run all call it.
set -euo pipefail

want=(curl npm)
[[ "${1:-run}" == test ]] && want+=(chromium postgresql redis-server)

missing=()
for package in "${want[@]}"; do
  case "$package" in
    chromium) [[ -x /usr/bin/chromium ]] ;;
    postgresql) compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null ;;
    redis-server) command -v redis-server >/dev/null ;;
    *) command -v "$package" >/dev/null ;;
  esac || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $EUID -ne 0 ]]; then
  echo "Missing system packages. Run this once, then try again:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "==> Installing the system packages ${missing[*]} (apt-get)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
